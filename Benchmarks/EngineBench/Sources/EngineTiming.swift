import BenchmarkSupport
import CMallocCounter
import EddyEngine
import EddySQL

/// Times the engine over pre-generated messages, shared by the pump benchmarks so they all measure
/// the same way (thread CPU time, best of several runs, allocations of the best run).
enum EngineTiming {
    /// Best-of-`runs` thread CPU seconds of the engine running `sql` over the first `count` messages,
    /// and the heap allocations of that run. Traps on error rows (`label` names the run): a benchmark
    /// that measured the error path would report a meaningless number.
    static func bestOf(runs: Int, sql: String, _ buffer: [UInt8], _ offsets: [Int], count: Int, label: String) throws -> (seconds: Double, allocations: UInt64) {
        var best = Double.infinity
        var allocations: UInt64 = 0
        for _ in 0..<runs {
            let engine = try Engine(topology: try Analyzer.analyze(text: sql, name: "bench"))
            let output = engine.output(named: "OUT")!
            let origin = RecordOrigin(topic: "reviews")
            let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
            let startAllocations = eddy_malloc_count()
            let start = threadCPUSeconds()
            buffer.withUnsafeBytes { all in
                for i in 0..<count {
                    let message = UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                    engine.process(source: source, partition: 0, offset: Int64(i), timestamp: 0, value: message, origin: origin)
                    if output.count >= 4096 { output.removeAll() }
                }
            }
            let seconds = threadCPUSeconds() - start
            if seconds < best {
                best = seconds
                allocations = eddy_malloc_count() - startAllocations
            }
            precondition(engine.statistics.errors == 0, "unexpected error rows in \(label)")
        }
        return (best, allocations)
    }
}
