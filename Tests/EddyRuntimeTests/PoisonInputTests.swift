import EddyKafka
import EddyMetrics
import EddyRuntime
import Foundation
import Testing

/// Poison records interleaved with good ones on a real Kafka path (the embedded cluster): each bad
/// record lands in error_stream or late_stream with its reason and is counted, the pipeline keeps
/// running, and the good records' outputs are byte-identical to a run over the good records alone.
@Suite("KafkaPipeline with poison input")
struct PoisonInputTests {
    /// A Kafka message value: bytes, or null (a tombstone).
    enum Value {
        case bytes([UInt8])
        case null

        static func text(_ text: String) -> Value { .bytes(Array(text.utf8)) }
    }

    /// What a poison record becomes.
    enum Fate: Equatable {
        case error(name: String, reason: String)
        case late
    }

    struct Poison {
        let name: String
        let value: Value
        let fate: Fate
    }

    /// Just under a real broker's default `message.max.bytes` (1,048,588 bytes). The embedded
    /// cluster (librdkafka's mock) checks no message size at all (8 MB messages are accepted), only
    /// the size of a whole request against its client's `receive.message.max.bytes` (100 MB): the
    /// limit that matters here is the producer's own `message.max.bytes` (1,000,000 by default),
    /// which the test producer raises and the pipeline's producer keeps. Before `DATA` was capped,
    /// this record's error row exceeded it and the pipeline stopped with "Message size too large".
    static let nearLimitBytes = 1_048_000

    /// The topology's single input partition makes the order, and so lateness, deterministic.
    static func topics(_ topology: EventsTopology) -> [EmbeddedCluster.Topic] {
        topology.clusterTopics.map { $0.name == topology.input ? .init(name: $0.name, partitions: 1) : $0 }
    }

    static let goodCount = 300

    /// Good record `id` on the single partition: event times 10 ms apart from `EventsTopology.base`.
    static func good(_ id: Int) -> String { EventsTopology.event(id).json }

    /// The poison set, in the order it is interleaved. `previousTime` is the event time of the good
    /// record just before (for an out-of-order row).
    static func poisons(previousTime: (Int) -> Int64) -> [Poison] {
        let t = EventsTopology.base + 1_000
        let farFuture = Int64(Date().timeIntervalSince1970 * 1000) + 10 * 365 * 86_400_000
        let huge = #"{"id":5,"k":""# + String(repeating: "x", count: nearLimitBytes - 50) + #"","v":1,"event_time":\#(t)}"#
        return [
            Poison(name: "malformed JSON", value: .text(#"{"id":1,"k":"a","v":"#),
                   fate: .error(name: "MALFORMED", reason: "malformed JSON")),
            Poison(name: "not an object", value: .text("[1,2,3]"),
                   fate: .error(name: "MALFORMED", reason: "expected '{'")),
            Poison(name: "invalid UTF-8", value: .bytes(Array(#"{"id":2,"k":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#"","v":1,"event_time":\#(t)}"#.utf8)),
                   fate: .error(name: "INVALID_UTF8", reason: "invalid UTF-8 at byte 13")),
            Poison(name: "empty message", value: .bytes([]),
                   fate: .error(name: "EMPTY_MESSAGE", reason: "empty message")),
            Poison(name: "null value", value: .null,
                   fate: .error(name: "NULL_VALUE", reason: "null value (tombstone)")),
            Poison(name: "near message.max.bytes", value: .text(huge),
                   fate: .error(name: "VARCHAR_TOO_LONG", reason: "(DATA holds the first 65536 of \(huge.utf8.count) bytes)")),
            Poison(name: "wrong type (string for INTEGER)", value: .text(#"{"id":6,"k":"a","v":"seven","event_time":\#(t)}"#),
                   fate: .error(name: "WRONG_TYPE", reason: "column v expects INTEGER, found a string")),
            Poison(name: "wrong type (fraction for BIGINT)", value: .text(#"{"id":6.5,"k":"a","v":1,"event_time":\#(t)}"#),
                   fate: .error(name: "WRONG_TYPE", reason: "column id expects BIGINT")),
            Poison(name: "wrong type (object for VARCHAR)", value: .text(#"{"id":7,"k":{"a":1},"v":1,"event_time":\#(t)}"#),
                   fate: .error(name: "WRONG_TYPE", reason: "found an object")),
            Poison(name: "out of range", value: .text(#"{"id":8,"k":"a","v":4294967296,"event_time":\#(t)}"#),
                   fate: .error(name: "NUMERIC_OVERFLOW", reason: "does not fit INTEGER column v")),
            Poison(name: "added field nested too deep", value: .text(#"{"id":8,"k":"a","v":1,"event_time":\#(t),"extra":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"),
                   fate: .error(name: "MALFORMED", reason: "nesting deeper than 256 levels")),
            Poison(name: "missing (removed) field", value: .text(#"{"id":9,"k":"a","event_time":\#(t)}"#),
                   fate: .error(name: "MISSING_FIELD", reason: "missing field 'v'")),
            Poison(name: "null rowtime", value: .text(#"{"id":10,"k":"a","v":1,"event_time":null}"#),
                   fate: .error(name: "NULL_ROWTIME", reason: "rowtime column event_time is null")),
            Poison(name: "far-future timestamp", value: .text(#"{"id":11,"k":"a","v":99,"event_time":\#(farFuture)}"#),
                   fate: .error(name: "FUTURE_ROWTIME", reason: "is more than max_future_skew (1 HOUR) ahead of processing time")),
            Poison(name: "out-of-order row", value: .text(#"{"id":12,"k":"k1","v":99,"event_time":\#(previousTime(12) - 500)}"#),
                   fate: .late),
            Poison(name: "far-past timestamp", value: .text(#"{"id":13,"k":"k2","v":99,"event_time":0}"#),
                   fate: .late),
        ]
    }

    /// Good records with poison interleaved every `stride` good records, after the first `lead`
    /// (so the watermark exists). Good record 40 carries added fields: schema-on-read ignores them.
    static func interleaved(stride: Int = 15, lead: Int = 30) -> (values: [Value], poisonAt: [Int: Poison]) {
        let poisons = poisons { index in EventsTopology.base + Int64(lead + index * stride - 1) * 10 }
        var values: [Value] = []
        var poisonAt: [Int: Poison] = [:]
        for id in 0..<goodCount {
            if id == 40 {
                values.append(.text(#"{"extra":{"nested":[1,{"deep":null}]},"id":40,"k":"k0","note":"added","v":80,"event_time":\#(EventsTopology.base + 400)}"#))
            } else {
                values.append(.text(good(id)))
            }
            let slot = id + 1 - lead
            if slot >= 0, slot % stride == 0, slot / stride < poisons.count {
                poisonAt[values.count] = poisons[slot / stride]
                values.append(poisons[slot / stride].value)
            }
        }
        return (values, poisonAt)
    }

    /// A record an hour ahead in event time, after all others: every window of the good records fires.
    static func sentinel() -> Value { .text(EventsTopology.sentinels()[0].json) }

    /// Produces to partition 0 in order, with a producer allowed messages up to 1.1 MB. A null value
    /// is sent with a null pointer; an empty one with a valid pointer and length 0.
    static func produce(_ values: [Value], topic: String, bootstrap: String) async throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(
            bootstrapServers: bootstrap, properties: [("linger.ms", "1"), ("message.max.bytes", "1100000")]))
        let anchor: [UInt8] = [0]
        for value in values {
            switch value {
            case .null:
                try producer.enqueue(topic: topic, partition: 0, key: nil, value: UnsafeRawBufferPointer(start: nil, count: 0), blockWhenFull: true)
            case .bytes(let bytes) where bytes.isEmpty:
                _ = try anchor.withUnsafeBytes { try producer.enqueue(topic: topic, partition: 0, key: nil, value: UnsafeRawBufferPointer(rebasing: $0[0..<0]), blockWhenFull: true) }
            case .bytes(let bytes):
                _ = try bytes.withUnsafeBytes { try producer.enqueue(topic: topic, partition: 0, key: nil, value: $0, blockWhenFull: true) }
            }
        }
        try await producer.flush()
        let statistics = await producer.shutdown()
        #expect(statistics.delivered == UInt64(values.count) && statistics.failed == 0, "\(statistics)")
    }

    @Test("Each poison record becomes an error or late row with its reason, is counted, and leaves the good records' results byte-identical")
    func poisonIsolated() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let poisoned = EventsTopology()
        let clean = EventsTopology()
        let cluster = try EmbeddedCluster(topics: Self.topics(poisoned) + Self.topics(clean))
        let bootstrap = cluster.bootstrapServers
        let (values, poisonAt) = Self.interleaved()
        let poisons = Self.poisons { _ in 0 }
        #expect(poisonAt.count == poisons.count, "every poison case is interleaved")
        let goodValues: [Value] = (0..<Self.goodCount).map { .text(Self.good($0)) } + [Self.sentinel()]
        try await Self.produce(values + [Self.sentinel()], topic: poisoned.input, bootstrap: bootstrap)
        try await Self.produce(goodValues, topic: clean.input, bootstrap: bootstrap)
        let expected = try KafkaPipelineTests.replay(clean, (0..<Self.goodCount).map(EventsTopology.event).map { (0, $0.json) } + [(0, EventsTopology.sentinels()[0].json)])
        #expect(expected.perKey.count == 15)  // 3 one-second windows × 5 keys

        let metrics = try PipelineMetrics()
        let pipeline = try KafkaPipeline(topology: poisoned.topology(),
                                         configuration: pipelineConfiguration(bootstrap, group: uniqueName("g")), metrics: metrics)
        let reference = try KafkaPipeline(topology: clean.topology(),
                                          configuration: pipelineConfiguration(bootstrap, group: uniqueName("g")))
        try await pipeline.start()
        try await reference.start()
        let errorCount = poisons.filter { $0.fate != .late }.count
        let lateCount = poisons.count - errorCount
        async let deadLetters = readTopic(poisoned.errors, bootstrap: bootstrap, count: errorCount, settle: .milliseconds(300))
        async let lateRows = readTopic(poisoned.late, bootstrap: bootstrap, count: lateCount, settle: .milliseconds(300))
        async let perKey = readTopic(poisoned.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .milliseconds(300))
        async let big = readTopic(poisoned.big, bootstrap: bootstrap, count: expected.big.count, settle: .milliseconds(300))
        async let cleanPerKey = readTopic(clean.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .milliseconds(300))
        async let cleanBig = readTopic(clean.big, bootstrap: bootstrap, count: expected.big.count, settle: .milliseconds(300))
        let (dead, late, outPerKey, outBig, refPerKey, refBig) = try await (deadLetters, lateRows, perKey, big, cleanPerKey, cleanBig)
        #expect(try await eventually { pipeline.progress.recordsIn == values.count + 1 })
        // Stopping rethrows whatever ended a pipeline: both are still running.
        try await pipeline.stop()
        try await reference.stop()

        // The good records' results: byte-identical keys and values to the clean run, and to the test driver.
        func keyed(_ records: [KafkaRecord]) -> [String] { records.map { "\($0.keyText ?? "-")=\($0.text)" }.sorted() }
        #expect(keyed(outPerKey) == keyed(refPerKey))
        #expect(keyed(outBig) == keyed(refBig))
        #expect(Dictionary(uniqueKeysWithValues: outPerKey.map { ($0.keyText ?? "", $0.text) }) == expected.perKey)
        #expect(outBig.map(\.text).sorted() == expected.big)

        // Each poison record: one row on its stream, at its offset, with its reason.
        #expect(dead.count == errorCount)
        #expect(late.count == lateCount)
        let deadByOffset = Dictionary(dead.map { (Int(jsonObject($0.value)["OFFSET"] ?? "") ?? -1, jsonObject($0.value)) }, uniquingKeysWith: { first, _ in first })
        let lateByOffset = Dictionary(late.map { (Int(jsonObject($0.value)["OFFSET"] ?? "") ?? -1, jsonObject($0.value)) }, uniquingKeysWith: { first, _ in first })
        for (offset, poison) in poisonAt.sorted(by: { $0.key < $1.key }) {
            switch poison.fate {
            case .error(let name, let reason):
                let row = deadByOffset[offset] ?? [:]
                #expect(row["ERROR_NAME"] == name, "\(poison.name): \(row)")
                #expect(row["REASON"]?.contains(reason) == true, "\(poison.name): \(row["REASON"] ?? "no row")")
                #expect(row["TOPIC"] == poisoned.input && row["PARTITION"] == "0" && row["SOURCE_STREAM"] == "EVENTS", "\(poison.name): \(row)")
            case .late:
                let row = lateByOffset[offset] ?? [:]
                #expect(row["DATA"] != nil && row["WATERMARK"] != nil, "\(poison.name): \(row)")
                #expect(row["DATA"] == Value.text(of: poison.value), "\(poison.name)")
            }
        }
        // Payloads are kept: the null value's DATA is empty, the near-limit one's is cut to 64 KiB.
        let nearLimit = poisonAt.first { $0.value.name == "near message.max.bytes" }!.key
        #expect(deadByOffset[nearLimit]?["DATA"]?.utf8.count == 65_536)
        let invalid = poisonAt.first { $0.value.name == "invalid UTF-8" }!.key
        #expect(deadByOffset[invalid]?["DATA_ENCODING"] == "base64")

        // Counted: engine statistics and the Prometheus counters.
        #expect(pipeline.progress.errors == errorCount)
        #expect(pipeline.progress.lateRows == lateCount)
        #expect(reference.progress.errors == 0 && reference.progress.lateRows == 0)
        let exposition = metrics.registry.render()
        #expect(exposition.contains("eddy_errors_total{stream=\"EVENTS\"} \(errorCount)\n"), "\(exposition)")
        #expect(exposition.contains("eddy_late_records_total{stream=\"EVENTS\"} \(lateCount)\n"), "\(exposition)")
        #expect(clock.now - began < .seconds(60))
    }
}

extension PoisonInputTests.Value {
    /// The value as text, when it is UTF-8 bytes.
    static func text(of value: PoisonInputTests.Value) -> String? {
        if case .bytes(let bytes) = value { return String(validating: bytes, as: UTF8.self) }
        return nil
    }
}
