import BenchmarkSupport
import CMallocCounter
import EddyEngine
import EddySQL
import EddyWorkload
import Foundation

/// `EngineBench N pipeline-mix [runs]`: the engine's share of PipelineBench's target variant on
/// PipelineBench's own data (seed 7, 1000 reviews/s of event time, so a 10-second window holds about
/// 10,000 reviews and the exact distinct sets grow as they do there), fed like the Kafka runtime
/// feeds it (32 partitions in runs of 256, commit tracking, outputs drained). Prints the thread CPU
/// µs/record of every run, their median and best: the A/B loop for the per-record path, where the
/// machine is shared and wall-clock rates mean little.
enum PipelineMix {
    static func run(count: Int, runs: Int) throws {
        let reviews = PackedReviews(count: count, seed: 7, eventsPerSecond: 1000, bytesPerMessageHint: 500)
        let buffer = reviews.buffer, offsets = reviews.offsets
        let rcf = ["RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION"]
        let sql = ReviewsSQL.replacingSentiment(in: ReviewsSQL.removingPumps(calling: rcf, from: try ReviewsSQL.text()))
        let topology = try Analyzer.analyze(text: sql, name: "reviews")
        var micros: [Double] = []
        var rows = 0
        var allocations: UInt64 = 0
        for _ in 0..<runs {
            let engine = try Engine(topology: topology, trackCommitOffsets: true)
            let outputs = engine.outputs
            let origin = RecordOrigin(topic: "reviews")
            let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
            var produced = 0
            let startAllocations = eddy_malloc_count()
            let start = threadCPUSeconds()
            buffer.withUnsafeBytes { all in
                for i in 0..<count {
                    let message = UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                    engine.process(source: source, partition: Int32((i >> 8) % 32), offset: Int64(i), timestamp: 0, value: message, origin: origin)
                    if i & 1023 == 0 {
                        for output in outputs where output.count > 0 { produced += output.count; output.removeAll() }
                    }
                    if i & 4095 == 0 { _ = engine.releasedCommitPositions() }
                }
            }
            engine.finish()
            micros.append((threadCPUSeconds() - start) * 1e6 / Double(count))
            allocations = eddy_malloc_count() - startAllocations
            for output in outputs { produced += output.count }
            precondition(engine.statistics.errors == 0, "unexpected error rows")
            rows = produced
        }
        let sorted = micros.sorted()
        print(String(format: "pipeline-mix: %d records, %d output rows, %.3f allocations/record; CPU µs/record median %.3f, best %.3f (runs: %@)",
                     count, rows, Double(allocations) / Double(count), sorted[sorted.count / 2], sorted[0],
                     micros.map { String(format: "%.3f", $0) }.joined(separator: " ")))
    }
}
