// PipelineBench: topologies/reviews.sql from a topic to its output topics through the embedded
// cluster, with the raw consume rate of the same data measured in the same run as the floor.
//
//   swift run -c release PipelineBench [--messages N] [--partitions P] [--latency-rate R] [--latency-seconds S] [--rounds K] [--quick | --latency-only]
//
// Prints records/s of the pipeline (consume → decode → windows → produce, at-least-once commits on)
// against (a) kcat -X fetch.wait.max.ms=10 and (b) EddyKafka's borrowed-batch consume loop, both
// reading the same topic to its end; then, at a steady rate with event time = wall time, the
// produce → output latency of per-record outputs (error_stream rows of injected malformed records)
// and the window-close → output latency of AVG_STAR_RATING rows (arrival − (window end + lateness)).
// Pumps using RANDOM_CUT_FOREST or SENTIMENT are reported separately when reviews.sql has them.
// Target: pipeline ≥ 0.5× kcat without RCF and SENTIMENT.
import CMallocCounter
import EddyKafka
import EddyMetrics
import EddyRuntime
import EddySQL
import EddyWorkload
import Foundation

struct Options {
    var messages = 100_000
    /// The embedded cluster keeps ~5 MiB per partition; 100k reviews (~50 MB) need 32 partitions.
    var partitions = 32
    var latencyRate = 2_000
    var latencySeconds = 40
    /// kcat / pipeline alternations for the target variant (the median of each is reported).
    var rounds = 3
    /// Only the target variant (without RCF and SENTIMENT), no latency run: the quick loop for profiling.
    var quick = false
    /// Only the latency run.
    var latencyOnly = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if flag == "--quick" { quick = true; continue }
            if flag == "--latency-only" { latencyOnly = true; continue }
            guard let value = iterator.next().flatMap(Int.init), value > 0 else { usage(flag) }
            switch flag {
            case "--messages": messages = value
            case "--partitions": partitions = value
            case "--latency-rate": latencyRate = value
            case "--latency-seconds": latencySeconds = value
            case "--rounds": rounds = value
            default: usage(flag)
            }
        }
    }
}

func usage(_ flag: String) -> Never {
    FileHandle.standardError.write(Data("usage: PipelineBench [--messages N] [--partitions P] [--latency-rate R] [--latency-seconds S] [--rounds K] [--quick | --latency-only] (bad: \(flag))\n".utf8))
    exit(2)
}

func seconds(_ duration: Duration) -> Double {
    let (whole, atto) = duration.components
    return Double(whole) + Double(atto) / 1e18
}

func wallMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ value: Double) -> String { String(format: "%.0f", value) }

// MARK: Topology variants

let topologyPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("topologies/reviews.sql").path
guard let reviewsSQL = try? String(contentsOfFile: topologyPath, encoding: .utf8) else {
    FileHandle.standardError.write(Data("cannot read \(topologyPath)\n".utf8))
    exit(1)
}

/// reviews.sql without the pumps that call any of `functions` (their target streams stay, empty).
func removingPumps(calling functions: [String], from sql: String) -> String {
    sql.split(separator: ";", omittingEmptySubsequences: false).filter { statement in
        let upper = statement.uppercased()
        return !(upper.contains("CREATE OR REPLACE PUMP") && functions.contains { upper.contains($0 + "(") })
    }.joined(separator: ";")
}

/// `sql` with every `SENTIMENT("column")` call replaced by a cheap DOUBLE of the same text
/// (`0.0 * CHAR_LENGTH("column")`). Dropping the pumps that call SENTIMENT instead would drop
/// AVG_STAR_RATING's pump (it averages SENTIMENT), leaving the latency probe's stream empty.
func replacingSentiment(in sql: String) -> String {
    sql.replacing(/SENTIMENT\(("[^"]*")\)/) { match in "(0.0 * CHAR_LENGTH(\(match.output.1)))" }
}

func analyze(_ sql: String) -> Topology {
    do { return try Analyzer.analyze(text: sql, name: "reviews") } catch {
        FileHandle.standardError.write(Data("reviews.sql: \(error)\n".utf8))
        exit(1)
    }
}

var variants: [(name: String, sql: String)] = [("complete", reviewsSQL)]
let withoutRCF = removingPumps(calling: ["RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION"], from: reviewsSQL)
if withoutRCF != reviewsSQL { variants.append(("without RCF", withoutRCF)) }
let withoutBoth = replacingSentiment(in: withoutRCF)
if withoutBoth != withoutRCF { variants.append(("without RCF and SENTIMENT", withoutBoth)) }

// MARK: Cluster and data

let options = Options(CommandLine.arguments)
let reference = analyze(reviewsSQL)
guard let sourceTopic = reference.streams.first(where: \.isSource)?.binding.topic else {
    FileHandle.standardError.write(Data("reviews.sql has no bound source\n".utf8))
    exit(1)
}
var topics: [EmbeddedCluster.Topic] = [.init(name: sourceTopic, partitions: options.partitions)]
for stream in reference.streams where !stream.isSource {
    if let topic = reference.effectiveTopic(stream), !topics.contains(where: { $0.name == topic }) {
        topics.append(.init(name: topic, partitions: stream.binding.partitions ?? 4))
    }
}
let cluster = try EmbeddedCluster(brokers: 1, topics: topics)
let bootstrap = cluster.bootstrapServers
let errorTopic = reference.effectiveTopic(reference.streams[reference.streamIndex(Topology.errorStreamName)!])!

let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [
    ("linger.ms", "5"), ("sticky.partitioning.linger.ms", "0"),
]))
/// Event time 1000 reviews/s, starting an hour ago: 100k records span 100 s of event time.
var generator = ReviewGenerator(seed: 7, startEventTimeMillis: wallMillis() - 3_600_000, eventsPerSecond: 1000, anomalies: nil)
var totalBytes = 0
for _ in 0..<options.messages {
    let record = generator.next()
    totalBytes += record.value.count
    try record.value.withUnsafeBytes { value in
        if let key = record.key {
            try key.withUnsafeBytes { key in _ = try producer.enqueue(topic: sourceTopic, key: key, value: value, blockWhenFull: true) }
        } else {
            _ = try producer.enqueue(topic: sourceTopic, key: nil, value: value, blockWhenFull: true)
        }
    }
}
try await producer.flush()
print("data: \(options.messages) reviews (\(totalBytes / 1_000_000) MB) in \(sourceTopic), \(options.partitions) partitions, embedded cluster")

// MARK: Raw floors

/// CPU seconds (user + system) used so far by this process (`RUSAGE_SELF`: the embedded brokers
/// included) or by its waited-for children (`RUSAGE_CHILDREN`: kcat).
func cpuSeconds(_ who: __rusage_who) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// CPU seconds of the last kcat run (kcat plus this process, which hosts the brokers) and of the
/// last pipeline run (this process, from its first record to its last). On this shared 2-core
/// machine wall-clock rates swing with other processes' load; CPU per record does not.
final class CPUBox: @unchecked Sendable { var kcat = 0.0; var pipeline = 0.0 }
let cpu = CPUBox()

func kcatSeconds() throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["kcat", "-b", bootstrap, "-C", "-t", sourceTopic, "-o", "beginning", "-e", "-q", "-X", "fetch.wait.max.ms=10"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = cpuSeconds(RUSAGE_SELF) + cpuSeconds(RUSAGE_CHILDREN)
    try process.run()
    process.waitUntilExit()
    cpu.kcat = cpuSeconds(RUSAGE_SELF) + cpuSeconds(RUSAGE_CHILDREN) - cpuStart
    guard process.terminationStatus == 0 else {
        FileHandle.standardError.write(Data("kcat failed (is it installed?)\n".utf8))
        exit(1)
    }
    return seconds(clock.now - start)
}

/// Heap allocations per record, process-wide (librdkafka's threads included), of the last raw loop run.
final class AllocationBox: @unchecked Sendable { var raw = 0.0; var pipeline = 0.0 }
let allocations = AllocationBox()

func consumeLoopSeconds() async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let consumer = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "10")]),
                                     groupID: "raw-\(UInt32.random(in: 0...UInt32.max))")
    let described = try await consumer.describeTopic(sourceTopic)
    try consumer.assign(described.partitions.map { TopicPartitionOffset(topic: sourceTopic, partition: $0.id, offset: KafkaOffset.beginning) })
    var count = 0, bytes = 0
    var firstAllocations: UInt64 = 0
    let deadline = clock.now + .seconds(120)
    while count < options.messages && clock.now < deadline {
        try consumer.poll(timeout: .milliseconds(100)) { batch in
            if count == 0, !batch.isEmpty { firstAllocations = eddy_malloc_count() }
            for message in batch { bytes &+= message.value.count }
            count += batch.count
        }
    }
    let elapsed = seconds(clock.now - start)
    allocations.raw = Double(eddy_malloc_count() - firstAllocations) / Double(options.messages)
    try await consumer.close()
    guard count == options.messages else {
        FileHandle.standardError.write(Data("raw loop consumed \(count) of \(options.messages)\n".utf8))
        exit(1)
    }
    return elapsed
}

// MARK: Pipeline throughput

/// Runs `sql` over the whole topic in a fresh group; rate from the first record to the last
/// (the embedded cluster's 3 s initial group-join delay is excluded).
func pipelineRate(_ sql: String) async throws -> Double {
    let metrics = try PipelineMetrics()
    var configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "bench-\(UInt32.random(in: 0...UInt32.max))")
    configuration.startPosition = .earliest
    let topology = analyze(sql)
    let pipeline = try KafkaPipeline(topology: topology, configuration: configuration, metrics: metrics)
    // The pipeline's own per-partition counters, summed every 2 ms: `metrics.snapshot()` sorts
    // every series and, called that often, took CPU from the pipeline it measures.
    let sourceStream = topology.streams.first(where: \.isSource)!.name
    let counters = (0..<Int32(options.partitions)).map { metrics.recordsIn(stream: sourceStream, partition: $0) }
    try await pipeline.start()
    let clock = ContinuousClock()
    var first: ContinuousClock.Instant?
    let deadline = clock.now + .seconds(180)
    var seen: UInt64 = 0
    var firstAllocations: UInt64 = 0
    var firstCPU = 0.0
    while clock.now < deadline {
        seen = counters.reduce(0) { $0 &+ $1.value }
        if first == nil, seen > 0 { first = clock.now; firstAllocations = eddy_malloc_count(); firstCPU = cpuSeconds(RUSAGE_SELF) }
        if seen >= UInt64(options.messages) { break }
        try await Task.sleep(for: .milliseconds(2))
    }
    let end = clock.now
    cpu.pipeline = cpuSeconds(RUSAGE_SELF) - firstCPU
    allocations.pipeline = Double(eddy_malloc_count() - firstAllocations) / Double(seen)
    try await pipeline.stop()
    guard seen >= UInt64(options.messages), let first else {
        FileHandle.standardError.write(Data("pipeline processed \(seen) of \(options.messages)\n".utf8))
        exit(1)
    }
    return Double(options.messages) / seconds(end - first)
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }
func ratio(_ value: Double) -> String { String(format: "%.2f", value) }

// The target variant alternates with the floors, round by round, on the same topic and cluster,
// so that load from other processes on this shared machine hits both sides alike; the medians and
// the median of the per-round ratios are reported.
let target = variants.last!
var kcatRates: [Double] = [], loopRates: [Double] = [], targetRates: [Double] = [], targetRatios: [Double] = []
var targetAllocations: [Double] = []
var kcatCPU: [Double] = [], pipelineCPU: [Double] = []
for round in 1...options.rounds where !options.latencyOnly {
    let kcat = Double(options.messages) / (try kcatSeconds())
    let loop = Double(options.messages) / (try await consumeLoopSeconds())
    let pipeline = try await pipelineRate(target.sql)
    kcatRates.append(kcat)
    loopRates.append(loop)
    targetRates.append(pipeline)
    targetRatios.append(pipeline / kcat)
    targetAllocations.append(allocations.pipeline)
    kcatCPU.append(cpu.kcat * 1e6 / Double(options.messages))
    pipelineCPU.append(cpu.pipeline * 1e6 / Double(options.messages))
    print("round \(round): kcat \(format(kcat)), EddyKafka loop \(format(loop)), pipeline (\(target.name)) \(format(pipeline)) records/s = \(ratio(pipeline / kcat))x kcat; \(ratio(allocations.pipeline)) allocations/record; CPU µs/record: kcat + brokers \(ratio(kcatCPU.last!)), pipeline + brokers \(ratio(pipelineCPU.last!))")
}
if !options.latencyOnly {
let kcatRate = median(kcatRates)
let loopRate = median(loopRates)
print("raw consume, kcat -X fetch.wait.max.ms=10 (whole process, median of \(options.rounds)): \(format(kcatRate)) records/s")
print("raw consume, EddyKafka poll loop (median of \(options.rounds)):                        \(format(loopRate)) records/s")

if !options.quick {
    for variant in variants.dropLast() {
        let rate = try await pipelineRate(variant.sql)
        print("pipeline reviews.sql (\(variant.name)): \(format(rate)) records/s = \(ratio(rate / kcatRate))x kcat (median), \(ratio(rate / loopRate))x EddyKafka loop; \(ratio(allocations.pipeline)) allocations/record")
    }
}
let targetRate = median(targetRates)
print("pipeline reviews.sql (\(target.name), median of \(options.rounds)): \(format(targetRate)) records/s = \(ratio(targetRate / kcatRate))x kcat, \(ratio(targetRate / loopRate))x EddyKafka loop")
print("heap allocations per record, whole process incl. librdkafka: raw loop \(ratio(allocations.raw)), pipeline (\(target.name), median) \(ratio(median(targetAllocations)))")
if variants.count == 1 { print("(reviews.sql has no RANDOM_CUT_FOREST or SENTIMENT pump: the complete pipeline is the one without them)") }
let targetRatio = median(targetRatios)
print("target ≥ 0.5x kcat \(target.name) (median of the per-round ratios): \(ratio(targetRatio))x \(targetRatio >= 0.5 ? "MET" : "NOT MET")")
print("CPU per record (load-independent; both include the in-process brokers), median: kcat \(ratio(median(kcatCPU))) µs, pipeline \(ratio(median(pipelineCPU))) µs = \(ratio(median(kcatCPU) / median(pipelineCPU)))x kcat's records per CPU-second")
if options.quick { exit(0) }
}

// MARK: Latency at a steady rate

/// Produces at `latencyRate` with event time = wall time; every 20th message is malformed and
/// carries its send time, so its error_stream row measures produce → output for per-record rows.
func measureLatency(_ sql: String) async throws -> (perRecord: [Double], windows: [Double], windowEmits: [Double], emitsByWindow: [Int64: Double]) {
    let topology = analyze(sql)
    let avgIndex = topology.streamIndex("AVG_STAR_RATING_SQL_STREAM")
    let avgTopic = avgIndex.flatMap { topology.effectiveTopic(topology.streams[$0]) }
    let lateness = topology.streams.first(where: \.isSource)!.binding.latenessMillis
    var configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "latency-\(UInt32.random(in: 0...UInt32.max))")
    configuration.startPosition = .latest
    let pipeline = try KafkaPipeline(topology: topology, configuration: configuration)

    // Readers of the outputs, positioned at their ends before anything is sent.
    let reader = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "5")]),
                                   groupID: "latency-reader-\(UInt32.random(in: 0...UInt32.max))")
    var assignments: [TopicPartitionOffset] = []
    for topic in [errorTopic] + (avgTopic.map { [$0] } ?? []) {
        for partition in try await reader.describeTopic(topic).partitions {
            assignments.append(TopicPartitionOffset(topic: topic, partition: partition.id, offset: KafkaOffset.end))
        }
    }
    try reader.assign(assignments)
    try await pipeline.start()
    try await Task.sleep(for: .seconds(4))  // the group's first join on the embedded cluster

    let start = wallMillis()
    let latencyStart = start
    /// The first fetches after the new group's assignment take up to a second: not steady state.
    let warmUpMillis: Int64 = 2_000
    var feed = ReviewGenerator(seed: 11, startEventTimeMillis: start, eventsPerSecond: Double(options.latencyRate), anomalies: nil)
    let sender = Task.detached {
        var next = feed.next()
        var n = 0
        while wallMillis() < start + Int64(options.latencySeconds) * 1000 {
            let now = wallMillis()
            while next.eventTimeMillis <= now {
                n += 1
                if n % 20 == 0 {
                    var probe = Array("malformed-probe \(Date().timeIntervalSince1970 * 1000)".utf8)
                    _ = try probe.withUnsafeMutableBytes { try producer.enqueue(topic: sourceTopic, key: nil, value: UnsafeRawBufferPointer($0), blockWhenFull: true) }
                }
                try next.value.withUnsafeBytes { value in _ = try producer.enqueue(topic: sourceTopic, key: nil, value: value, blockWhenFull: true) }
                next = feed.next()
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
    var perRecord: [Double] = []
    var windows: [Double] = []
    var windowEmits: [Double] = []
    /// The latest row of each window, by window start relative to the feed's start (seconds).
    var emitsByWindow: [Int64: Double] = [:]
    let stopAt = start + Int64(options.latencySeconds) * 1000 + 20_000
    while wallMillis() < stopAt {
        let records = try await reader.pollRecords(timeout: .milliseconds(50))
        let arrival = Date().timeIntervalSince1970 * 1000
        for record in records {
            let text = String(decoding: record.value, as: UTF8.self)
            if record.topic == errorTopic, let range = text.range(of: "malformed-probe ") {
                let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
                if let sent = Double(digits), sent >= Double(latencyStart + warmUpMillis) { perRecord.append(arrival - sent) }
            } else if record.topic == avgTopic, let range = text.range(of: "\"WINDOW_START\":\""),
                      let windowStart = parseISO(String(text[range.upperBound...].prefix(24))), windowStart + 10_000 + lateness >= latencyStart + warmUpMillis {
                // Windows that opened before the feed started close while the new group's 32
                // partitions are still being fetched for the first time: shown per window below,
                // left out of the steady-state percentiles.
                let steady = windowStart >= latencyStart
                if steady { windows.append(arrival - Double(windowStart + 10_000 + lateness)) }
                if let created = record.timestampMillis {
                    let delay = Double(created - (windowStart + 10_000 + lateness))
                    if steady { windowEmits.append(delay) }
                    emitsByWindow[(windowStart - latencyStart) / 1000] = max(emitsByWindow[(windowStart - latencyStart) / 1000] ?? -.infinity, delay)
                }
            }
        }
    }
    try await sender.value
    try await pipeline.stop()
    try await reader.close()
    return (perRecord, windows, windowEmits, emitsByWindow)
}

func parseISO(_ text: String) -> Int64? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
}

let latencySQL = variants.last!.sql
let latency = try await measureLatency(latencySQL)
print("latency at \(options.latencyRate) records/s for \(options.latencySeconds) s, after a 2 s warm-up (\(variants.last!.name)):")
print("  produce → error_stream row (per-record output, \(latency.perRecord.count) probes): p50 \(String(format: "%.1f", percentile(latency.perRecord, 0.5))) ms, p99 \(String(format: "%.1f", percentile(latency.perRecord, 0.99))) ms")
print("  window close (end + lateness) → AVG_STAR_RATING row produced (its Kafka timestamp), windows opened after the feed started: p50 \(String(format: "%.1f", percentile(latency.windowEmits, 0.5))) ms, p99 \(String(format: "%.1f", percentile(latency.windowEmits, 0.99))) ms")
print("    per window (its start relative to the feed's start: its latest row's delay): " + latency.emitsByWindow.sorted { $0.key < $1.key }.map { "\($0.key) s: \(format($0.value)) ms" }.joined(separator: ", "))
print("  window close (end + lateness) → AVG_STAR_RATING row read (\(latency.windows.count) rows of those windows): p50 \(String(format: "%.1f", percentile(latency.windows, 0.5))) ms, p99 \(String(format: "%.1f", percentile(latency.windows, 0.99))) ms")
_ = await producer.shutdown()
withExtendedLifetime(cluster) {}
