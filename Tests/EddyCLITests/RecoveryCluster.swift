import EddyKafka
import Foundation
import Testing

/// The seeded stream a recovery test feeds: `eddy produce --generate reviews` with this seed, count
/// and rate. The rate also sets the event-time rate, so event time advances in real time and
/// windows close while the runs are being disturbed.
struct StreamPlan: Sendable {
    var seed: UInt64
    var count: Int
    var rate: Double
    var seconds: Double { Double(count) / rate }
}

/// An `eddy broker` of its own (the embedded cluster must outlive the pipelines it serves), a
/// scratch directory, and the Kafka-side chores of the recovery tests: producing the stream and its
/// trailing records, waiting for consumer groups to catch up, and reading output topics.
final class RecoveryCluster: Sendable {
    let broker: BrokerProcess
    let directory: URL
    let partitions: Int
    var bootstrap: String { broker.bootstrap }

    private init(broker: BrokerProcess, directory: URL, partitions: Int) {
        self.broker = broker
        self.directory = directory
        self.partitions = partitions
    }

    /// Starts the cluster with the source topic (`partitions` partitions: the mock keeps only about
    /// 5 MiB per partition) and the output topics of every run prefix declared, so they are bounded.
    static func start(label: String, partitions: Int, prefixes: [String]) async throws -> RecoveryCluster {
        var arguments = ["--topic", "\(RecoveryTopology.sourceTopic):\(partitions)"]
        for prefix in prefixes {
            for topic in RecoveryTopology.outputTopics(prefix: prefix) { arguments += ["--topic", "\(topic):2"] }
            arguments += ["--topic", "\(prefix).errors:1", "--topic", "\(prefix).late:1"]
            // The topology's global pump is combined through `<topology>.partials` (one partition);
            // the embedded cluster creates topics only at start.
            arguments += ["--topic", "\(prefix).partials:1"]
        }
        let broker = try await BrokerProcess.start(arguments)
        guard !broker.bootstrap.isEmpty else {
            throw RecoveryFailure("eddy broker did not print bootstrap.servers=...; first line: \(broker.firstLine)")
        }
        return RecoveryCluster(broker: broker, directory: try temporaryDirectory(label), partitions: partitions)
    }

    /// Stops the broker; removes the scratch directory (logs, state) unless it is kept for a failure.
    func stop(keepFiles: Bool) async {
        _ = await broker.stop()
        if keepFiles {
            print("recovery test files kept in \(directory.path)")
        } else {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Writes the test topology with outputs under `prefix`.
    func writeTopology(prefix: String) throws -> URL {
        let url = directory.appendingPathComponent("\(prefix).sql")
        try Data(RecoveryTopology.sql(prefix: prefix).utf8).write(to: url)
        return url
    }

    func stateDirectory(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent("state-\(name)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `eddy run` arguments for a checkpointing, per-partition-task member of `group`.
    ///
    /// Restarts must not wait out the session timeout: the instance id gives static membership
    /// (`group.instance.id`), so a restarted member takes its old place at once; the short session
    /// timeout bounds the wait where the cluster does not honour static membership.
    func runArguments(topology: URL, group: String, instanceID: String, stateDirectory: URL, checkpointInterval: String = "1s", extra: [String] = []) -> [String] {
        ["run", topology.path, "--brokers", bootstrap, "--group", group,
         "--tasks", "partition", "--state-dir", stateDirectory.path, "--checkpoint-interval", checkpointInterval,
         "--instance-id", instanceID,
         "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300"] + extra
    }

    /// Starts `eddy run` with `arguments`, logging to `<directory>/<name>.log`.
    func start(_ name: String, _ arguments: [String]) throws -> LoggedProcess {
        try LoggedProcess(arguments, log: directory.appendingPathComponent("\(name).log"))
    }

    /// Starts producing the seeded stream, keyed by the group column so each key stays in one partition.
    func startProducer(_ plan: StreamPlan) throws -> LoggedProcess {
        try start("produce", [
            "produce", "--brokers", bootstrap, "--topic", RecoveryTopology.sourceTopic,
            "--generate", "reviews", "--seed", String(plan.seed), "--count", String(plan.count), "--rate", String(plan.rate),
            "--key", "product_category", "-X", "sticky.partitioning.linger.ms=0",
        ])
    }

    /// Windows fire only when the watermark passes them: after the stream, one record per source
    /// partition (each task has its own watermark) with an event time past the last window plus
    /// the lateness. Their own key ("~end") only opens windows that never close.
    func produceTrailers() async throws {
        let eventTime = Int64(Date().timeIntervalSince1970 * 1000)
            + Int64(RecoveryTopology.longestWindowSeconds + RecoveryTopology.latenessSeconds + 5) * 1000
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        let records = (0..<partitions).map { partition in
            let json = """
                {"product_category":"~end","customer_id":0,"review_id":"END\(partition)","star_rating":1,"helpful_votes":0,"total_votes":0,"event_time":\(eventTime)}
                """
            return ProducerRecord(topic: RecoveryTopology.sourceTopic, partition: Int32(partition), key: Array("~end".utf8), value: Array(json.utf8))
        }
        let outcome = try await producer.send(batch: records)
        _ = await producer.shutdown()
        if !outcome.failures.isEmpty { throw RecoveryFailure("trailing records not delivered: \(outcome.failures)") }
    }

    /// The source partitions `group` has not committed up to its trailing record (empty when it
    /// caught up). The trailing record itself may stay uncommitted: it opens a window that never
    /// closes, and an at-least-once commit stops before an open window's records.
    func lagging(group: String) async throws -> [PartitionLag] {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap), groupID: group)
        let partitions = (0..<partitions).map { TopicPartition(topic: RecoveryTopology.sourceTopic, partition: Int32($0)) }
        let lags = try await consumer.lag(for: partitions)
        try await consumer.close()
        return lags.filter { $0.lag > 1 }
    }

    /// Source partitions whose oldest records the mock already dropped (it keeps ~5 MiB each): a
    /// replay from before that point would lose input, which would explain missing windows.
    func truncatedSourcePartitions() async throws -> [Int32] {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "truncation-probe")
        var truncated: [Int32] = []
        for partition in 0..<Int32(partitions) {
            let marks = try await consumer.watermarks(topic: RecoveryTopology.sourceTopic, partition: partition)
            if marks.low > 0 { truncated.append(partition) }
        }
        try await consumer.close()
        return truncated
    }

    /// Every row of the output topics under `prefix`, read from the beginning to each partition's end.
    func rows(prefix: String) async throws -> [CheckedRow] {
        var rows: [CheckedRow] = []
        for stream in RecoveryTopology.streams {
            for record in try await readToEnd(topic: "\(prefix).\(stream.suffix)") {
                rows.append(try OutputChecker.row(stream: stream.name, value: record.value, key: record.key, identityFields: stream.identityFields))
            }
        }
        return rows
    }

    /// The window start (ISO-8601, as output rows carry it) of the last combined window the stream
    /// fills: that of the newest event time among the source's data records (the last two records of
    /// each partition: its last data record, then its trailing record). The combiner fires windows
    /// in order, so once a run's combined topic has this window, it has fired every window.
    func lastCombinedWindowStart() async throws -> String {
        var newest = Int64.min
        for record in try await readToEnd(topic: RecoveryTopology.sourceTopic, lastRecords: 2) where record.key != Array("~end".utf8) {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(record.value))) as? [String: Any],
                  let eventTime = (object["event_time"] as? NSNumber)?.int64Value else {
                throw RecoveryFailure("source record \(record.partition)@\(record.offset) has no event_time: \(String(decoding: record.value, as: UTF8.self).prefix(200))")
            }
            newest = max(newest, eventTime)
        }
        guard newest != .min else { throw RecoveryFailure("the source topic holds no data records") }
        let width = Int64(RecoveryTopology.combinedWindowSeconds) * 1000
        let start = newest - ((newest % width) + width) % width
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(start) / 1000))
    }

    /// The newest window start among the last rows of each partition of `prefix`'s combined topics
    /// (nil while they are empty). ISO-8601 UTC text orders like time.
    func newestCombinedWindowStart(prefix: String) async throws -> String? {
        var newest: String?
        for stream in RecoveryTopology.streams where stream.combined {
            for record in try await readToEnd(topic: "\(prefix).\(stream.suffix)", lastRecords: 1) {
                let row = try OutputChecker.row(stream: stream.name, value: record.value, key: record.key, identityFields: [])
                if case .text(let start)? = row.values["WINDOW_START"], start > (newest ?? "") { newest = start }
            }
        }
        return newest
    }

    /// How many rows `prefix`'s combined topics hold now (repeats included).
    func combinedRowCount(prefix: String) async throws -> Int64 {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "count-probe")
        var count: Int64 = 0
        for stream in RecoveryTopology.streams where stream.combined {
            let topic = "\(prefix).\(stream.suffix)"
            for partition in try await consumer.describeTopic(topic).partitions.map(\.id) {
                let marks = try await consumer.watermarks(topic: topic, partition: partition)
                count += marks.high - marks.low
            }
        }
        try await consumer.close()
        return count
    }

    /// Rows of the dead-letter and late topics under `prefix` (they should stay empty).
    func rejectedCount(prefix: String) async throws -> Int {
        try await readToEnd(topic: "\(prefix).errors").count + readToEnd(topic: "\(prefix).late").count
    }

    /// Reads `topic` to each partition's end: from its beginning, or only its last `lastRecords` records.
    private func readToEnd(topic: String, lastRecords: Int64? = nil, timeout: Double = 30) async throws -> [KafkaRecord] {
        let reader = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "10")]),
            groupID: "checker-\(UInt32.random(in: 0...UInt32.max))")
        let partitions = try await reader.describeTopic(topic).partitions.map(\.id)
        var remaining: [Int32: Int64] = [:]
        var starts: [TopicPartitionOffset] = []
        for partition in partitions {
            let marks = try await reader.watermarks(topic: topic, partition: partition)
            if marks.high > marks.low { remaining[partition] = marks.high }
            let start = lastRecords.map { max(marks.low, marks.high - $0) } ?? KafkaOffset.beginning
            starts.append(TopicPartitionOffset(topic: topic, partition: partition, offset: start))
        }
        try reader.assign(starts)
        var records: [KafkaRecord] = []
        let deadline = Date().addingTimeInterval(timeout)
        while !remaining.isEmpty {
            guard Date() < deadline else { throw RecoveryFailure("reading \(topic) timed out; partitions not read to their end: \(remaining)") }
            for record in try await reader.pollRecords(timeout: .milliseconds(100)) {
                records.append(record)
                if let high = remaining[record.partition], record.offset + 1 >= high { remaining[record.partition] = nil }
            }
        }
        try await reader.close()
        return records
    }
}

/// A recovery test's own failure, with the reason spelled out.
struct RecoveryFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
