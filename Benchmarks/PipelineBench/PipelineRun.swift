import BenchmarkSupport
import CMallocCounter
import EddyKafka
import EddyMetrics
import EddyRuntime
import EddySQL
import Foundation

/// The task layout every pipeline run here uses, set explicitly rather than left to `--tasks auto`:
/// a change of what auto picks must not silently change what this benchmark measures.
let benchTaskLayout = TaskLayout.single

/// One pass of a reviews.sql variant over the whole source topic.
struct PipelineRun {
    /// Records/s from the first record to the last (the embedded cluster's ~3 s group join excluded).
    var rate: Double
    /// CPU µs per record of the pipeline's whole process over the same span: its threads and the
    /// producer of its outputs (in a child run the brokers serving it are in the parent, not counted).
    var cpuMicrosPerRecord: Double
    /// CPU µs per record of the pipeline's own loop thread (poll, decode, engine, produce calls;
    /// see `ThreadTimes`).
    var threadMicrosPerRecord: Double
    /// Heap allocations per record, process-wide.
    var allocationsPerRecord: Double
    /// Seconds from the first record until 10 %, 50 % and 90 % of the records were in: shows a stall
    /// (a run that waits before it streams) apart from a slow steady rate.
    var progressSeconds: [Double]
}

/// Runs `sql` over the whole topic in a fresh consumer group, one task (`benchTaskLayout`), in this process.
func runPipeline(_ sql: String, bootstrap: String, options: PipelineOptions) async throws -> PipelineRun {
    let metrics = try PipelineMetrics()
    var configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "bench-\(UInt32.random(in: 0...UInt32.max))")
    configuration.startPosition = .earliest
    configuration.taskLayout = benchTaskLayout
    let topology = try Analyzer.analyze(text: sql, name: "reviews")
    let pipeline = try KafkaPipeline(topology: topology, configuration: configuration, metrics: metrics)
    // The pipeline's own per-partition counters, summed every 2 ms: `metrics.snapshot()` sorts
    // every series and, called that often, took CPU from the pipeline it measures.
    let sourceStream = topology.streams.first(where: \.isSource)!.name
    let counters = (0..<Int32(options.partitions)).map { metrics.recordsIn(stream: sourceStream, partition: $0) }
    try await pipeline.start()
    var firstThreadTimes: [String: Double] = [:]
    let clock = ContinuousClock()
    var first: ContinuousClock.Instant?
    let deadline = clock.now + .seconds(300)
    var seen: UInt64 = 0
    var marks: [Double] = []
    var firstAllocations: UInt64 = 0
    var firstCPU = 0.0
    while clock.now < deadline {
        seen = counters.reduce(0) { $0 &+ $1.value }
        if first == nil, seen > 0 {
            first = clock.now
            firstAllocations = eddy_malloc_count()
            firstCPU = processCPUSeconds()
            firstThreadTimes = ThreadTimes.snapshot()
        }
        if let first {
            while marks.count < 3, seen * 10 >= UInt64(options.messages) * [1, 5, 9][marks.count] { marks.append(seconds(clock.now - first)) }
        }
        if seen >= UInt64(options.messages) { break }
        try await Task.sleep(for: .milliseconds(2))
    }
    let end = clock.now
    let cpu = processCPUSeconds() - firstCPU
    let threadCPU = ThreadTimes.busiest(from: firstThreadTimes, to: ThreadTimes.snapshot())
    let allocations = Double(eddy_malloc_count() - firstAllocations) / Double(max(seen, 1))
    try await pipeline.stop()
    guard seen >= UInt64(options.messages), let first else { fail("pipeline processed \(seen) of \(options.messages)") }
    return PipelineRun(rate: Double(options.messages) / seconds(end - first), cpuMicrosPerRecord: cpu * 1e6 / Double(options.messages),
                       threadMicrosPerRecord: threadCPU * 1e6 / Double(options.messages), allocationsPerRecord: allocations,
                       progressSeconds: marks)
}

/// Runs variant `index` in a fresh process, as `eddy run` runs one topology per process: this
/// executable again with `--child-variant index+1 --child-port PORT`, which connects to the given
/// embedded cluster (in this process), runs `runPipeline` and prints the figures as one line, so no
/// variant inherits another's heap, threads or caches. Process CPU in a child excludes the brokers,
/// which live in this process.
func runPipelineInChild(variant index: Int, _ data: ReviewsTopic, options: PipelineOptions) throws -> PipelineRun {
    guard let port = data.bootstrap.split(separator: ",").first?.split(separator: ":").last.flatMap({ Int($0) }) else {
        fail("cannot read the port of \(data.bootstrap)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--child-variant", String(index + 1), "--child-port", String(port),
                         "--messages", String(options.messages), "--partitions", String(options.partitions)]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = text.split(separator: "\n").last { $0.hasPrefix("child-run ") }?.split(separator: " ").dropFirst().compactMap { Double($0) } ?? []
    guard process.terminationStatus == 0, fields.count == 7 else { fail("the child run of variant \(index) failed: \(text.suffix(400))") }
    return PipelineRun(rate: fields[0], cpuMicrosPerRecord: fields[1], threadMicrosPerRecord: fields[2], allocationsPerRecord: fields[3],
                       progressSeconds: Array(fields[4...6]))
}

/// The child side of `runPipelineInChild`: one line, `child-run` and the seven figures.
func childRunLine(_ run: PipelineRun) -> String {
    "child-run " + ([run.rate, run.cpuMicrosPerRecord, run.threadMicrosPerRecord, run.allocationsPerRecord] + run.progressSeconds)
        .map { String($0) }.joined(separator: " ")
}
