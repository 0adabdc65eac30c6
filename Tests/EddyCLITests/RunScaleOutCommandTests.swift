import EddyKafka
import Foundation
import Testing

@Suite("eddy run: --tasks auto and repartitioning")
struct RunScaleOutCommandTests {
    /// Per-key windows over a source whose producer does not key by "k": auto picks a task per
    /// partition and repartitions EVENTS by k through scale.repartition.EVENTS.
    static let topology = """
        CREATE OR REPLACE STREAM "EVENTS" ("id" BIGINT, "k" VARCHAR(8), "event_time" BIGINT)
        WITH ('topic' = 'events', 'rowtime' = 'event_time', 'lateness' = '1 MINUTES');
        CREATE OR REPLACE STREAM "PER_KEY" (k VARCHAR(8), n BIGINT) WITH ('topic' = 'per-key');
        CREATE OR REPLACE PUMP "PER_KEY_PUMP" AS INSERT INTO "PER_KEY"
            SELECT STREAM "k", COUNT(*) FROM "EVENTS" AS e GROUP BY "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        """
    static let base: Int64 = 1_764_000_000_000
    static let shortSession = ["-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300"]

    @Test("Without the repartition topic on the embedded cluster, start-up fails saying how to declare it")
    func missingRepartitionTopic() async throws {
        let broker = try await BrokerProcess.start(["--topic", "events:3", "--topic", "per-key:1"])
        let file = try temporaryFile(named: "scale.sql", contents: Self.topology)
        let result = try await runEddy(["run", file.path, "--brokers", broker.bootstrap] + Self.shortSession, timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains("eddy broker --topic scale.repartition.EVENTS:3"), "\(result.stderr)")
    }

    @Test("auto: a task per partition, the source repartitioned by k, every record counted once in its key's window")
    func autoRepartitions() async throws {
        let broker = try await BrokerProcess.start(["--topic", "events:3", "--topic", "per-key:1", "--topic", "scale.repartition.EVENTS:3"])
        // Keyed by partition (id % 3), not by k (id % 5).
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrap))
        let records = (0..<300).map { id in
            ProducerRecord(topic: "events", partition: Int32(id % 3), value: Array("{\"id\":\(id),\"k\":\"k\(id % 5)\",\"event_time\":\(Self.base + Int64(id) * 10)}".utf8))
        }
        // Far-future rows under 12 keys: every repartition partition gets one, so every task's windows fire.
        let sentinels = (0..<12).map { index in
            ProducerRecord(topic: "events", partition: Int32(index % 3), value: Array("{\"id\":-1,\"k\":\"end\(index)\",\"event_time\":\(Self.base + 3_600_000)}".utf8))
        }
        #expect(try await producer.send(batch: records).succeeded)

        let file = try temporaryFile(named: "scale.sql", contents: Self.topology)
        let run = try BackgroundEddy(["run", file.path, "--brokers", broker.bootstrap, "--group", "scale"] + Self.shortSession)
        let deadline = Date().addingTimeInterval(20)
        while !run.stderr.contains("tasks: "), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(run.stderr.contains("tasks: partition (every pump is stateless or keyed by its source's partition column; EVENTS repartitioned by k through scale.repartition.EVENTS)"), "\(run.stderr)")
        #expect(run.stderr.contains("repartitioning EVENTS: events → scale.repartition.EVENTS (group scale.repartition)"), "\(run.stderr)")
        // Sentinels only once the records are through: the stage then cannot put one ahead of them.
        _ = try await readAll(topic: "scale.repartition.EVENTS", bootstrap: broker.bootstrap, count: records.count)
        #expect(try await producer.send(batch: sentinels).succeeded)
        _ = await producer.shutdown()

        // 3 one-second windows × 5 keys.
        let rows = try await readAll(topic: "per-key", bootstrap: broker.bootstrap, count: 15)
        let status = await run.stop(signal: SIGTERM)
        #expect(status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("rows in: \(records.count + sentinels.count)"), "\(run.stderr)")
        #expect(run.stderr.contains("repartitioned EVENTS: "), "\(run.stderr)")
        var counts: [String: Int] = [:]
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.value)) as? [String: Any])
            counts[object["K"] as? String ?? "?", default: 0] += (object["N"] as? Int) ?? 0
        }
        #expect(rows.count == 15)
        #expect(counts == Dictionary(uniqueKeysWithValues: (0..<5).map { ("k\($0)", 60) }))
    }
}
