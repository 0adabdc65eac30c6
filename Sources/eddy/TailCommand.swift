import ArgumentParser
import EddyKafka
import Foundation

/// `eddy tail`: prints a topic's records.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a topic's records (pretty on a TTY, one JSON line per record otherwise or with --json).",
        discussion: """
        Without --group, reads every partition directly and commits nothing. With --group, joins that \
        consumer group and commits what it printed; a group with committed offsets resumes from them \
        (--from-beginning only applies where it has none). Exits after --count records or --timeout seconds, \
        else runs until Ctrl-C. With --count, reaching the timeout first is an error.
        """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Topic to read.")
    var topic: String

    @Option(name: .long, help: "Consumer group to join (and commit to).")
    var group: String?

    @Flag(name: .long, help: "Start at the oldest record instead of new ones.")
    var fromBeginning = false

    @Option(name: .long, help: "Exit after N records.")
    var count: Int?

    @Option(name: .long, help: "Exit after this many seconds.")
    var timeout: Double?

    @Flag(name: .long, help: "One JSON line per record, even on a TTY.")
    var json = false

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let consumer: KafkaConsumer
        // Connection errors before the reachability check are summed up by its one-line error.
        let warnings = WarningGate()
        do {
            let configuration = try kafka.configuration(defaults: [("fetch.wait.max.ms", "100")])
            consumer = try KafkaConsumer(
                configuration: configuration, groupID: group ?? "eddy-tail",
                startPosition: fromBeginning ? .earliest : .latest,
                onError: { error in warnings.report(error) }
            )
            try await consumer.checkReachable(timeout: reachabilityTimeout)
            if group != nil {
                try consumer.subscribe(topics: [topic])
            } else {
                let described = try await consumer.describeTopic(topic)
                let start = fromBeginning ? KafkaOffset.beginning : KafkaOffset.end
                try consumer.assign(described.partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: start) })
            }
        } catch {
            throw Terminal.fail(error.description)
        }
        warnings.open()
        try await printRecords(from: consumer)
    }

    private func printRecords(from consumer: KafkaConsumer) async throws {
        let formatter = TailFormatter(json: json || !Terminal.stdoutIsTTY)
        let stop = StopFlag()
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + .milliseconds(Int64($0 * 1000)) }
        var printed = 0
        var failure: String?
        loop: while !stop.isSet {
            if let deadline, clock.now >= deadline { break }
            let records: [KafkaRecord]
            do {
                records = try await consumer.pollRecords(timeout: .milliseconds(100))
            } catch {
                failure = "\(error)"
                break
            }
            var output = ""
            for record in records {
                output += formatter.format(record) + "\n"
                printed += 1
                if group != nil { try? consumer.storeProcessed(record) }
                if let count, printed >= count { break }
            }
            if !output.isEmpty { Terminal.writeOut(output) }
            if let count, printed >= count { break loop }
        }
        do {
            if group != nil { try await consumer.commit() }
            try await consumer.close()
        } catch {
            failure = failure ?? error.description
        }
        if let failure { throw Terminal.fail(failure) }
        if let count, printed < count {
            throw Terminal.fail("got \(printed) of \(count) records before the \(timeout.map { "\($0) s timeout" } ?? "stop")")
        }
    }
}
