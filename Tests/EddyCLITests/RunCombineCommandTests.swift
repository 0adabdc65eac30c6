import EddyKafka
import Foundation
import Testing

@Suite("eddy run: global aggregates combined across per-partition tasks")
struct RunCombineCommandTests {
    /// A per-key count (partition-local: the source declares k its partition key) and a count over
    /// the whole stream (global, combined through combine.partials).
    static let topology = """
        CREATE OR REPLACE STREAM "EVENTS" ("id" BIGINT, "k" VARCHAR(8), "event_time" BIGINT)
        WITH ('topic' = 'events', 'rowtime' = 'event_time', 'lateness' = '0 SECONDS', 'partition_key' = 'k');
        CREATE OR REPLACE STREAM "PER_KEY" (k VARCHAR(8), n BIGINT) WITH ('topic' = 'per-key');
        CREATE OR REPLACE PUMP "PER_KEY_PUMP" AS INSERT INTO "PER_KEY"
            SELECT STREAM "k", COUNT(*) FROM "EVENTS" AS e GROUP BY "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        CREATE OR REPLACE STREAM "TOTALS" (window_start TIMESTAMP, n BIGINT, ids BIGINT) WITH ('topic' = 'totals');
        CREATE OR REPLACE PUMP "TOTALS_PUMP" AS INSERT INTO "TOTALS"
            SELECT STREAM STEP(e.ROWTIME BY INTERVAL '1' SECOND), COUNT(*), APPROX_COUNT_DISTINCT("id")
            FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        """
    static let base: Int64 = 1_764_000_000_000

    @Test("Without the partials topic on the embedded cluster, start-up fails saying how to declare it")
    func missingPartialsTopic() async throws {
        let broker = try await BrokerProcess.start(["--topic", "events:3", "--topic", "per-key:1", "--topic", "totals:1"])
        let file = try temporaryFile(named: "combine.sql", contents: Self.topology)
        let result = try await runEddy(["run", file.path, "--brokers", broker.bootstrap] + RunScaleOutCommandTests.shortSession, timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains("eddy broker --topic combine.partials:1"), "\(result.stderr)")
    }

    @Test("eddy explain names the combined pump and the partials topic")
    func explainNamesTheCombine() async throws {
        let file = try temporaryFile(named: "combine.sql", contents: Self.topology)
        let result = try await runEddy(["explain", file.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("combined through topic combine.partials (each task publishes its partial windows; one combiner merges them): TOTALS_PUMP"), "\(result.stdout)")
        #expect(result.stdout.contains("partition-local: no, but every global aggregate is combined: eddy run --tasks auto runs one task per partition"), "\(result.stdout)")
    }

    @Test("auto: a task per partition, the whole-stream count combined into one row per window")
    func autoCombines() async throws {
        let broker = try await BrokerProcess.start(["--topic", "events:3", "--topic", "per-key:1", "--topic", "totals:1", "--topic", "combine.partials:1"])
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrap))
        // k = id % 3 on partition id % 3: the topic is keyed by k, as declared.
        let records = (0..<300).map { id in
            ProducerRecord(topic: "events", partition: Int32(id % 3), value: Array("{\"id\":\(id),\"k\":\"k\(id % 3)\",\"event_time\":\(Self.base + Int64(id) * 10)}".utf8))
        }
        let sentinels = (0..<3).map { partition in
            ProducerRecord(topic: "events", partition: Int32(partition), value: Array("{\"id\":-1,\"k\":\"k\(partition)\",\"event_time\":\(Self.base + 3_600_000)}".utf8))
        }
        #expect(try await producer.send(batch: records + sentinels).succeeded)
        _ = await producer.shutdown()

        let file = try temporaryFile(named: "combine.sql", contents: Self.topology)
        let run = try BackgroundEddy(["run", file.path, "--brokers", broker.bootstrap, "--group", "combine"] + RunScaleOutCommandTests.shortSession)
        // 3 one-second windows, each of 100 records with distinct ids.
        let rows = try await readAll(topic: "totals", bootstrap: broker.bootstrap, count: 3)
        let perKey = try await readAll(topic: "per-key", bootstrap: broker.bootstrap, count: 9)
        let status = await run.stop(signal: SIGTERM)
        #expect(status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("tasks: partition (every pump is stateless, keyed by its source's partition column, or a global aggregate combined through combine.partials (TOTALS_PUMP))"), "\(run.stderr)")
        #expect(run.stderr.contains("combining TOTALS_PUMP through combine.partials (group combine.combine)"), "\(run.stderr)")
        #expect(run.stderr.contains("combined: 9 partial windows from 3 tasks, 0 after their window fired (replays or late), 0 rejected; 3 combined rows out"), "\(run.stderr)")
        #expect(rows.count == 3)
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.value)) as? [String: Any])
            #expect(object["N"] as? Int == 100)
            #expect(object["IDS"] as? Int == 100)
        }
        #expect(perKey.count == 9)
    }
}
