import BenchmarkSupport
import CMallocCounter
import EddyEngine
import EddySQL
import Foundation

/// Times the engine over pre-generated messages, shared by every EngineBench scenario so they all
/// measure the same way (wall and thread CPU time, allocations, output rows drained as a sink would).
enum EngineTiming {
    struct Measurement {
        var seconds: Double
        var cpuSeconds: Double
        var allocations: UInt64
        var rows: Int
        /// `engine.stateSizeEstimate` at each of the `stateSamples` points (the last one after the
        /// last record, before `finish`), taken outside the timing and allocation counts.
        var stateBytes: [Int] = []
        /// `engine.evictedStateKeys` after the last record, before `finish`.
        var evictedKeys = 0
    }

    /// One run of `sql` over the first `count` messages into a fresh engine, draining `output`.
    /// Traps on error rows (`label` names the run): a benchmark that measured the error path would
    /// report a meaningless number. With `finish`, open windows fire at the end (inside the timing).
    /// With `stateSamples` > 0, the state size is read after each of that many equal slices of the
    /// records (its own CPU time and allocations subtracted), to show whether state grows with them.
    static func once(sql: String, output outputName: String, _ buffer: [UInt8], _ offsets: [Int], count: Int,
                     label: String, finish: Bool = false, stateSamples: Int = 0) throws -> Measurement {
        let engine = try Engine(topology: try Analyzer.analyze(text: sql, name: "bench"))
        let output = engine.output(named: outputName)!
        let origin = RecordOrigin(topic: "reviews")
        let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
        var rows = 0
        var stateBytes: [Int] = []
        var evictedKeys = 0
        var excludedCPU = 0.0
        var excludedAllocations: UInt64 = 0
        let slices = max(stateSamples, 1)
        let startAllocations = eddy_malloc_count()
        let clock = ContinuousClock()
        let start = clock.now
        let startCPU = threadCPUSeconds()
        buffer.withUnsafeBytes { all in
            for slice in 0..<slices {
                for i in (count * slice / slices)..<(count * (slice + 1) / slices) {
                    let message = UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                    engine.process(source: source, partition: 0, offset: Int64(i), timestamp: 0, value: message, origin: origin)
                    if output.count >= 4096 { rows += output.count; output.removeAll() }
                }
                if stateSamples > 0 {
                    let sampleCPU = threadCPUSeconds(), sampleAllocations = eddy_malloc_count()
                    stateBytes.append(engine.stateSizeEstimate)
                    if slice == slices - 1 { evictedKeys = engine.evictedStateKeys }
                    excludedAllocations += eddy_malloc_count() - sampleAllocations
                    excludedCPU += threadCPUSeconds() - sampleCPU
                }
            }
        }
        if finish { engine.finish() }
        var measurement = Measurement(seconds: BenchmarkSupport.seconds(clock.now - start), cpuSeconds: threadCPUSeconds() - startCPU - excludedCPU,
                                      allocations: eddy_malloc_count() - startAllocations - excludedAllocations, rows: rows + output.count)
        measurement.stateBytes = stateBytes
        measurement.evictedKeys = evictedKeys
        precondition(engine.statistics.recordsIn == count, "the engine did not process the records of \(label)")
        precondition(engine.statistics.errors == 0, "unexpected error rows in \(label): \(engine.statistics.errors)")
        return measurement
    }

    /// Best-of-`runs` thread CPU seconds of `sql` (output stream "OUT") over the first `count`
    /// messages, and the heap allocations of that run.
    static func bestOf(runs: Int, sql: String, _ buffer: [UInt8], _ offsets: [Int], count: Int, label: String) throws -> (seconds: Double, allocations: UInt64) {
        var best = Measurement(seconds: 0, cpuSeconds: .infinity, allocations: 0, rows: 0)
        for _ in 0..<runs {
            let run = try once(sql: sql, output: "OUT", buffer, offsets, count: count, label: label)
            if run.cpuSeconds < best.cpuSeconds { best = run }
        }
        return (best.cpuSeconds, best.allocations)
    }
}
