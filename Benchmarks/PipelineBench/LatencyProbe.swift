import EddyKafka
import EddyRuntime
import EddySQL
import EddyWorkload
import Foundation

/// Latencies of one steady-rate run, in ms. Event time is wall time, so a window closes (its end
/// plus the source's lateness) at a known wall time.
struct LatencyResult {
    /// produce → error_stream row of a malformed probe (every 20th message): per-record output.
    var errorRows: [Double] = []
    /// produce → metrics.review_anomalies row of the same review (the RCF pump's per-record score).
    var scoreRows: [Double] = []
    /// produce → alerts.reviews alert raised by that review (kind rcf_anomaly).
    var recordAlerts: [Double] = []
    /// window close → alerts.reviews alert on that window (kind sentiment_drop).
    var windowAlerts: [Double] = []
    /// Alerts read, by kind and type.
    var alertCounts: [String: Int] = [:]
    /// window close → AVG_STAR_RATING row produced (its Kafka timestamp) / read here.
    var windowProduced: [Double] = []
    var windowRead: [Double] = []
    /// Per window (start relative to the feed's start, seconds): its latest row's produce delay.
    var producedByWindow: [Int64: Double] = [:]
}

/// Review id → wall ms at which the sender enqueued it; written by the sender, read by the reader.
final class SendTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [String: Double] = [:]

    func record(_ id: String, at millis: Double) { lock.lock(); times[id] = millis; lock.unlock() }

    func time(of id: String) -> Double? { lock.lock(); defer { lock.unlock() }; return times[id] }
}

enum LatencyProbe {
    static let windowMillis: Double = 10_000
    /// The first fetches after the new group's assignment take up to a second: not steady state.
    static let warmUpMillis: Double = 2_000

    /// Produces at `options.latencyRate` with event time = wall time while `sql` runs, and reads
    /// its error, AVG_STAR_RATING, anomaly-score and alert topics from their ends.
    static func measure(_ sql: String, _ data: ReviewsTopic, options: PipelineOptions) async throws -> LatencyResult {
        let topology = try Analyzer.analyze(text: sql, name: "reviews")
        func topic(_ stream: String) -> String? { topology.streamIndex(stream).flatMap { topology.effectiveTopic(topology.streams[$0]) } }
        let avgTopic = topic("AVG_STAR_RATING_SQL_STREAM")
        let scoreTopic = topic("REVIEW_ANOMALY_SQL_STREAM")
        let alertTopic = topic("REVIEW_ALERTS")
        let lateness = Double(topology.streams.first(where: \.isSource)!.binding.latenessMillis)
        var configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: data.bootstrap), groupID: "latency-\(UInt32.random(in: 0...UInt32.max))")
        configuration.startPosition = .latest
        configuration.taskLayout = benchTaskLayout
        let pipeline = try KafkaPipeline(topology: topology, configuration: configuration)

        // Readers of the outputs, positioned at their ends before anything is sent.
        let reader = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: data.bootstrap, properties: [("fetch.wait.max.ms", "5")]),
                                       groupID: "latency-reader-\(UInt32.random(in: 0...UInt32.max))")
        var assignments: [TopicPartitionOffset] = []
        for topic in [data.errorTopic, avgTopic, scoreTopic, alertTopic].compactMap({ $0 }) {
            for partition in try await reader.describeTopic(topic).partitions {
                assignments.append(TopicPartitionOffset(topic: topic, partition: partition.id, offset: KafkaOffset.end))
            }
        }
        try reader.assign(assignments)
        try await pipeline.start()
        try await Task.sleep(for: .seconds(4))  // the group's first join on the embedded cluster

        let start = wallMillis()
        let sendTimes = SendTimes()
        let sender = Task.detached { [producer = data.producer, sourceTopic = data.sourceTopic] in
            var feed = ReviewGenerator(seed: 11, startEventTimeMillis: Int64(start), eventsPerSecond: Double(options.latencyRate), anomalies: nil)
            var next = feed.next()
            var n = 0
            while wallMillis() < start + Double(options.latencySeconds) * 1000 {
                let now = Int64(wallMillis())
                while next.eventTimeMillis <= now {
                    n += 1
                    if n % 20 == 0 {
                        var probe = Array("malformed-probe \(wallMillis())".utf8)
                        _ = try probe.withUnsafeMutableBytes { try producer.enqueue(topic: sourceTopic, key: nil, value: UnsafeRawBufferPointer($0), blockWhenFull: true) }
                    }
                    if let key = next.key { sendTimes.record(String(decoding: key, as: UTF8.self), at: wallMillis()) }
                    try next.value.withUnsafeBytes { value in
                        if let key = next.key {
                            try key.withUnsafeBytes { key in _ = try producer.enqueue(topic: sourceTopic, key: key, value: value, blockWhenFull: true) }
                        } else {
                            _ = try producer.enqueue(topic: sourceTopic, key: nil, value: value, blockWhenFull: true)
                        }
                    }
                    next = feed.next()
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }

        var result = LatencyResult()
        let steadyFrom = start + warmUpMillis
        let stopAt = start + Double(options.latencySeconds) * 1000 + 20_000
        while wallMillis() < stopAt {
            let records = try await reader.pollRecords(timeout: .milliseconds(50))
            let arrival = wallMillis()
            for record in records {
                let text = String(decoding: record.value, as: UTF8.self)
                if record.topic == data.errorTopic {
                    if let sent = number(after: "malformed-probe ", in: text), sent >= steadyFrom { result.errorRows.append(arrival - sent) }
                } else if record.topic == scoreTopic {
                    if let id = string(after: "\"REVIEW_ID\":\"", in: text), let sent = sendTimes.time(of: id), sent >= steadyFrom {
                        result.scoreRows.append(arrival - sent)
                    }
                } else if record.topic == alertTopic {
                    let kind = string(after: "\"kind\":\"", in: text) ?? "?"
                    let type = string(after: "\"type\":\"", in: text) ?? "?"
                    result.alertCounts["\(kind) \(type)", default: 0] += 1
                    guard type == "raise" else { continue }
                    if let id = string(after: "\"REVIEW_ID\":\"", in: text), let sent = sendTimes.time(of: id) {
                        if sent >= steadyFrom { result.recordAlerts.append(arrival - sent) }
                    } else if let windowStart = string(after: "\"WINDOW_START\":\"", in: text).flatMap(parseISO) {
                        let closes = windowStart + windowMillis + lateness
                        if windowStart >= start { result.windowAlerts.append(arrival - closes) }
                    }
                } else if record.topic == avgTopic, let windowStart = string(after: "\"WINDOW_START\":\"", in: text).flatMap(parseISO) {
                    let closes = windowStart + windowMillis + lateness
                    // Windows that opened before the feed started close while the new group's
                    // partitions are still being fetched for the first time: shown per window,
                    // left out of the steady-state percentiles.
                    let steady = windowStart >= start
                    if steady { result.windowRead.append(arrival - closes) }
                    if let created = record.timestampMillis {
                        let delay = Double(created) - closes
                        if steady { result.windowProduced.append(delay) }
                        let window = Int64(((windowStart - start) / 1000).rounded(.down))
                        result.producedByWindow[window] = max(result.producedByWindow[window] ?? -.infinity, delay)
                    }
                }
            }
        }
        try await sender.value
        try await pipeline.stop()
        try await reader.close()
        return result
    }

    /// The text between `marker` and the next quote.
    static func string(after marker: String, in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    static func number(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    nonisolated(unsafe) static let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// Epoch ms of "2026-11-24T12:00:00.000Z".
    static func parseISO(_ text: String) -> Double? { isoFormatter.date(from: text).map { $0.timeIntervalSince1970 * 1000 } }
}
