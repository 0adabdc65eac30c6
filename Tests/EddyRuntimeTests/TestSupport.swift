import EddyEngine
import EddyKafka
import EddyRuntime
import EddySQL
import Foundation
import Testing

/// A unique name per test run, so tests never share topics or groups.
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }

/// A small topology over `EVENTS` (JSON, event time from `event_time`): a per-key 1-second tumbling
/// SUM/COUNT, a filter projection, and bound error/late streams. Topics are named per test.
struct EventsTopology {
    let input = uniqueName("events")
    let perKey = uniqueName("per-key")
    let big = uniqueName("big")
    let errors = uniqueName("dead-letter")
    let late = uniqueName("late")

    var sql: String {
        """
        CREATE OR REPLACE STREAM "EVENTS" ("id" BIGINT, "k" VARCHAR(8), "v" INTEGER, "event_time" BIGINT)
        WITH ('topic' = '\(input)', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '0 SECONDS');
        CREATE OR REPLACE STREAM "PER_KEY" (k VARCHAR(8), window_start TIMESTAMP, total BIGINT, n BIGINT);
        CREATE OR REPLACE PUMP "PER_KEY_PUMP" AS INSERT INTO "PER_KEY"
            SELECT STREAM "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND), SUM(CAST("v" AS BIGINT)), COUNT(*)
            FROM "EVENTS" AS e
            GROUP BY "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        CREATE OR REPLACE STREAM "BIG" (id BIGINT, k VARCHAR(8), v INTEGER);
        CREATE OR REPLACE PUMP "BIG_PUMP" AS INSERT INTO "BIG"
            SELECT STREAM "id", "k", "v" FROM "EVENTS" WHERE "v" > 50;
        ALTER STREAM "PER_KEY" SET ('topic' = '\(perKey)');
        ALTER STREAM "BIG" SET ('topic' = '\(big)');
        ALTER STREAM "error_stream" SET ('topic' = '\(errors)');
        ALTER STREAM "late_stream" SET ('topic' = '\(late)');
        """
    }

    func topology() throws -> Topology { try Analyzer.analyze(text: sql, name: "events") }

    var clusterTopics: [EmbeddedCluster.Topic] {
        [.init(name: input, partitions: 3), .init(name: perKey, partitions: 2), .init(name: big, partitions: 2),
         .init(name: errors, partitions: 1), .init(name: late, partitions: 1)]
    }

    static let base: Int64 = 1_764_000_000_000
    static let partitions: Int32 = 3

    /// Record `id`: key k0...k4, a value from 0 to 99, event times 10 ms apart, on partition id % 3.
    static func event(_ id: Int) -> (partition: Int32, json: String) {
        (Int32(id % 3), "{\"id\":\(id),\"k\":\"k\(id % 5)\",\"v\":\(id * 37 % 100),\"event_time\":\(base + Int64(id) * 10)}")
    }

    /// One record per partition far ahead in event time: every window of the test records fires.
    static func sentinels() -> [(partition: Int32, json: String)] {
        (0..<partitions).map { ($0, "{\"id\":-1,\"k\":\"end\",\"v\":0,\"event_time\":\(base + 3_600_000)}") }
    }
}

/// What the in-process test driver (no Kafka) emits for `records`, piped in order to their
/// partitions: `PER_KEY` as key → value text and `BIG` as sorted value texts. The reference a
/// Kafka run's outputs must equal.
func driverOutputs(sql: String, _ records: [(partition: Int32, json: String)]) throws -> (perKey: [String: String], big: [String]) {
    let driver = try TopologyTestDriver(sql: sql, name: "events")
    for record in records { driver.pipe("EVENTS", record.json, partition: record.partition) }
    var perKey: [String: String] = [:]
    for row in driver.readKeyed("PER_KEY") { perKey[row.key ?? ""] = row.value }
    return (perKey, driver.read("BIG").sorted())
}

func produce(_ records: [(partition: Int32, json: String)], topic: String, bootstrap: String) async throws {
    try await produceBytes(records.map { ($0.partition, Array($0.json.utf8)) }, topic: topic, bootstrap: bootstrap)
}

func produceBytes(_ records: [(partition: Int32, bytes: [UInt8])], topic: String, bootstrap: String) async throws {
    let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("linger.ms", "1")]))
    let outcome = try await producer.send(batch: records.map { ProducerRecord(topic: topic, partition: $0.partition, value: $0.bytes) })
    _ = await producer.shutdown()
    #expect(outcome.succeeded)
}

/// Reads every partition of `topic` from the beginning until `count` records arrived, or `timeout`
/// passed; then keeps reading `settle` longer (to catch unexpected extra records).
func readTopic(_ topic: String, bootstrap: String, count: Int, timeout: Duration = .seconds(30), settle: Duration = .zero) async throws -> [KafkaRecord] {
    let reader = try KafkaConsumer(
        configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "10")]),
        groupID: uniqueName("reader"))
    let partitions = try await reader.describeTopic(topic).partitions
    try reader.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: KafkaOffset.beginning) })
    var records: [KafkaRecord] = []
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while records.count < count && clock.now < deadline {
        records += try await reader.pollRecords(timeout: .milliseconds(100))
    }
    let settleEnd = clock.now + settle
    while clock.now < settleEnd {
        records += try await reader.pollRecords(timeout: .milliseconds(100))
    }
    try await reader.close()
    return records
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

func pipelineConfiguration(_ bootstrap: String, group: String) -> PipelineConfiguration {
    // A short session timeout: a restarted member need not wait for the previous one to expire.
    let kafka = KafkaConfiguration(bootstrapServers: bootstrap, properties: [("session.timeout.ms", "3000"), ("heartbeat.interval.ms", "300")])
    var configuration = PipelineConfiguration(kafka: kafka, groupID: group)
    configuration.commitInterval = .milliseconds(200)
    return configuration
}

/// Decodes a JSON object value into a dictionary with sorted, comparable values (test-side only).
func jsonObject(_ bytes: [UInt8]) -> [String: String] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return [:] }
    return object.mapValues { "\($0)" }
}

extension KafkaRecord {
    var text: String { String(decoding: value, as: UTF8.self) }
    var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}

/// Output rows as key → value text (a row without a key under ""): how the tests compare a run's
/// keyed outputs with `KafkaPipelineTests.replay`'s, independent of order, with a repeated key's
/// last value winning.
func valuesByKey(_ records: [KafkaRecord]) -> [String: String] {
    var values: [String: String] = [:]
    for record in records { values[record.keyText ?? ""] = record.text }
    return values
}
