import ArgumentParser
import EddyKafka
import EddyWorkload
import Foundation

/// `eddy produce`: wires a producer to a topic, from a replayed file or the synthetic review stream.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send records to a topic from a JSONL/CSV/TSV file or a generated review stream.",
        discussion: """
        Records without an event_time field get one: the --event-time-field column (converted to epoch \
        milliseconds) or else the send time. Malformed lines are reported with their line number and \
        counted; the rest are sent. Always ends with a summary; on a TTY shows progress. Exits non-zero \
        if any record failed delivery.
        """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Topic to produce to.")
    var topic: String

    @Option(name: .long, help: "Replay this file: JSON lines, or CSV/TSV with a header row.")
    var file: String?

    @Option(name: .long, help: ArgumentHelp("Generate a synthetic stream; only 'reviews' exists.", valueName: "kind"))
    var generate: String?

    @Option(name: .long, help: "Send at most N records; malformed lines don't count (default: the whole file; the generator runs until Ctrl-C).")
    var count: Int?

    @Option(name: .long, help: "Records per second (default: as fast as possible). Generated event times advance at this rate (default 1000/s).")
    var rate: Double?

    @Option(name: .long, help: "Seed of the generated stream.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Use this top-level JSON field (string, number or boolean) as the message key.")
    var key: String?

    @Flag(name: .long, help: "Mix injected anomalies into the generated stream.")
    var anomalies = false

    @Option(name: .long, help: "Seconds of event time between injected anomalies.")
    var anomalyEvery: Double = 60

    @Option(name: .long, help: "Date/time column to derive event_time from when a record has none.")
    var eventTimeField: String?

    func validate() throws {
        if (file == nil) == (generate == nil) { throw ValidationError("give exactly one of --file PATH or --generate reviews") }
        if let generate, generate != "reviews" { throw ValidationError("--generate supports only 'reviews', got '\(generate)'") }
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        if !(anomalyEvery > 0) { throw ValidationError("--anomaly-every must be positive") }
        if anomalies && generate == nil { throw ValidationError("--anomalies needs --generate reviews") }
    }

    func run() async throws {
        var source = try openSource()
        let producer: KafkaProducer
        let warnings = WarningGate()
        do {
            // Spread records over all partitions: the embedded cluster keeps only ~5 MiB per partition.
            producer = try KafkaProducer(
                configuration: kafka.configuration(defaults: [("sticky.partitioning.linger.ms", "0")]),
                onError: { error in warnings.report(error) }
            )
            try await producer.checkReachable(timeout: reachabilityTimeout)
        } catch {
            throw Terminal.fail(error.description)
        }
        warnings.open()
        let stop = StopFlag()
        let summary = try await ProduceLoop(
            producer: producer, topic: topic, keyExtractor: key.map(RecordKeyExtractor.init(field:)), limit: count, rate: rate,
            showProgress: Terminal.stderrIsTTY, stop: stop
        ).run(&source)
        Terminal.writeOut(summary.text + "\n")
        if summary.failed > 0 { throw ExitCode.failure }
    }

    private func openSource() throws -> ProduceSource {
        if let file {
            do {
                let reader = try RecordFileReader(path: file)
                return .file(reader, stamper: EventTimeStamper(sourceField: eventTimeField))
            } catch {
                throw Terminal.fail(error.description)
            }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let generator = ReviewGenerator(
            seed: seed, startEventTimeMillis: now, eventsPerSecond: rate ?? 1000,
            anomalies: anomalies ? AnomalyPlan(everySeconds: anomalyEvery) : nil
        )
        return .generator(generator)
    }
}

/// Counts for the summary line.
struct ProduceSummary {
    var sent: UInt64
    var failed: UInt64
    var malformed: Int
    var elapsedSeconds: Double
    var firstFailure: String?

    var text: String {
        let rate = elapsedSeconds > 0 ? Double(sent) / elapsedSeconds : 0
        var line = "sent \(sent), failed \(failed), malformed \(malformed) in \(String(format: "%.2f", elapsedSeconds)) s (\(ProgressLine.format(rate)) records/s)"
        if let firstFailure { line += "; first failure: \(firstFailure)" }
        return line
    }
}

/// Reads the source, enqueues, paces to --rate, reports malformed lines, then flushes.
struct ProduceLoop {
    let producer: KafkaProducer
    let topic: String
    let keyExtractor: RecordKeyExtractor?
    let limit: Int?
    let rate: Double?
    let showProgress: Bool
    let stop: StopFlag

    func run(_ source: inout ProduceSource) async throws -> ProduceSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var progress = ProgressLine(total: limit)
        var attempted = 0
        var malformed = 0
        while !stop.isSet {
            if let limit, attempted >= limit { break }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            guard let item = source.next(nowMillis: now) else { break }
            switch item {
            case .malformed(let line, let reason):
                malformed += 1
                report(line: line, reason: reason, progress: showProgress)
                continue
            case .record(let line, let generatedKey, let value):
                var key = generatedKey
                if let keyExtractor {
                    guard let found = keyExtractor.key(for: value) else {
                        malformed += 1
                        let reason = "key field '\(keyExtractor.field)' is missing, null, an object or an array"
                        report(line: line ?? attempted + malformed, reason: reason, progress: showProgress)
                        continue
                    }
                    key = found
                }
                try await enqueue(key: key, value: value)
                attempted += 1
            }
            if let rate {
                let due = started + .nanoseconds(Int64(Double(attempted) / rate * 1e9))
                if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
            }
            if showProgress {
                let stats = producer.statistics
                progress.update(sent: stats.delivered, failed: stats.failed, malformed: malformed)
            }
        }
        let flushed = await producer.shutdown(timeout: .seconds(30))
        let outcome = await producer.awaitDelivery(through: producer.mark())
        if showProgress { progress.finish() }
        return ProduceSummary(
            sent: flushed.delivered, failed: flushed.failed, malformed: malformed,
            elapsedSeconds: ProgressLine.seconds(clock.now - started),
            firstFailure: outcome.failures.first?.error.message
        )
    }

    private func enqueue(key: [UInt8]?, value: [UInt8]) async throws {
        while true {
            let full: Bool = try value.withUnsafeBytes { valueBuffer in
                do {
                    if let key {
                        try key.withUnsafeBytes { keyBuffer in _ = try producer.enqueue(topic: topic, key: keyBuffer, value: valueBuffer) }
                    } else {
                        try producer.enqueue(topic: topic, key: nil, value: valueBuffer)
                    }
                    return false
                } catch let error as KafkaError where error.kind == .queueFull {
                    return true
                }
            }
            if !full { return }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private func report(line: Int, reason: String, progress: Bool) {
        Terminal.writeErr("\(progress ? "\r\u{1B}[K" : "")line \(line): \(reason)\n")
    }
}
