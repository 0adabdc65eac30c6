import BenchmarkSupport
import CMallocCounter
import EddyEngine
import EddySQL
import Foundation

/// The whole of topologies/reviews.sql minus its RANDOM_CUT_FOREST pumps (the alerts pump reading
/// their stream then gets no rows), and also with SENTIMENT
/// replaced by a cheap stand-in like PipelineBench, on the in-memory messages: the engine's share of
/// PipelineBench's "without RCF" variant, with every output drained like a sink would.
enum ReviewsTopology {
    /// - Parameter onlyPipelineVariant: only PipelineBench's target variant (the quick loop for profiling).
    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int, onlyPipelineVariant: Bool = false) throws {
        let withoutRCF = ReviewsSQL.removingPumps(calling: ReviewsSQL.forestFunctions, from: try ReviewsSQL.text())
        if !onlyPipelineVariant {
            try run(buffer, offsets, available: available, label: "without RCF pumps", sql: withoutRCF)
        }
        let pipelineSQL = ReviewsSQL.replacingSentiment(in: withoutRCF)
        try run(buffer, offsets, available: available, label: "without RCF, SENTIMENT replaced (PipelineBench's)", sql: pipelineSQL)
        try run(buffer, offsets, available: available, label: "the same as PipelineBench feeds it (32 partitions, commit tracking)",
                sql: pipelineSQL, partitions: 32)
    }

    /// Prints and returns records/s (thread CPU).
    /// - Parameter partitions: when > 1, records go to that many partitions in runs of 256 (as Kafka
    ///   fetches hand them over), with commit offsets tracked and released every 4096 records, like
    ///   the Kafka runtime: the engine's per-record watermark and commit bookkeeping included.
    /// - Parameter alongside: called with each record's index right after the engine processed it,
    ///   inside the timing (work measured in the cache environment the topology leaves).
    @discardableResult
    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int, label: String, sql: String, partitions: Int = 1,
                    alongside: ((Int) -> Void)? = nil) throws -> Double {
        let n = min(200_000, available)
        var best = Double.infinity
        var allocations: UInt64 = 0
        var rows = 0
        for _ in 0..<3 {
            let engine = try Engine(topology: try Analyzer.analyze(text: sql, name: "reviews"), trackCommitOffsets: partitions > 1)
            let outputs = engine.outputs
            let origin = RecordOrigin(topic: "reviews")
            let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
            var produced = 0
            let startAllocations = eddy_malloc_count()
            let start = threadCPUSeconds()
            buffer.withUnsafeBytes { all in
                for i in 0..<n {
                    let message = UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                    let partition = Int32((i >> 8) % partitions)
                    engine.process(source: source, partition: partition, offset: Int64(i), timestamp: 0, value: message, origin: origin)
                    alongside?(i)
                    if i & 1023 == 0 { for output in outputs where output.count > 0 { produced += output.count; output.removeAll() } }
                    if partitions > 1, i & 4095 == 0 { _ = engine.releasedCommitPositions() }
                }
            }
            let seconds = threadCPUSeconds() - start
            let used = eddy_malloc_count() - startAllocations
            for output in outputs { produced += output.count }
            precondition(engine.statistics.errors == 0, "unexpected error rows in reviews.sql")
            if seconds < best { best = seconds; allocations = used; rows = produced }
        }
        print(String(format: "reviews: reviews.sql %@: %.0f records/s CPU over %d records; %.2f allocations/record; %d output rows",
                     label, Double(n) / best, n, Double(allocations) / Double(n), rows))
        return Double(n) / best
    }
}
