import EddyKafka
import Foundation
import Testing

@Suite("eddy run on Kafka")
struct RunKafkaCommandTests {
    static let topology = """
        CREATE OR REPLACE STREAM "CLICKS" ("page" VARCHAR(16), "ms" INTEGER, "event_time" BIGINT)
        WITH ('topic' = 'clicks', 'rowtime' = 'event_time');
        CREATE OR REPLACE STREAM "SLOW" (page VARCHAR(16), ms INTEGER) WITH ('topic' = 'clicks.slow');
        CREATE OR REPLACE PUMP "SLOW_PUMP" AS INSERT INTO "SLOW" SELECT STREAM "page", "ms" FROM "CLICKS" WHERE "ms" > 100;
        ALTER STREAM "error_stream" SET ('topic' = 'clicks.errors');
        """

    @Test("Unreachable brokers: one-line error and non-zero exit within 10 seconds")
    func runKafkaUnreachable() async throws {
        let file = try temporaryFile(named: "clicks.sql", contents: Self.topology)
        let result = try await runEddy(["run", file.path, "--brokers", "127.0.0.1:1"], timeout: 20)
        #expect(result.status != 0)
        #expect(result.seconds < 10, "took \(result.seconds) s")
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: no Kafka broker answered"))
    }

    @Test("A dashboard on a non-loopback address without a token is refused before connecting")
    func runKafkaDashboardNeedsToken() async throws {
        let file = try temporaryFile(named: "clicks.sql", contents: Self.topology)
        let result = try await runEddy(["run", file.path, "--brokers", "127.0.0.1:1", "--dashboard", "0.0.0.0:0"], timeout: 20)
        #expect(result.status != 0)
        #expect(result.seconds < 3)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("--dashboard-token"))
    }

    @Test("Runs until SIGTERM, produces the output topic and the dead-letter topic, then flushes and commits")
    func runKafkaUntilSignal() async throws {
        let broker = try await BrokerProcess.start(["--topic", "clicks:3", "--topic", "clicks.slow:2", "--topic", "clicks.errors:1"])
        let lines = (0..<40).map { "{\"page\":\"p\($0 % 4)\",\"ms\":\($0 * 10),\"event_time\":\(1_764_000_000_000 + $0)}" } + ["{broken"]
        let input = try temporaryFile(named: "clicks.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let produced = try await runEddy(["produce", "--brokers", broker.bootstrap, "--topic", "clicks", "--file", input.path])
        // The malformed line is reported by `produce` and not sent; send it raw so the pipeline sees it.
        #expect(produced.status == 0, "\(produced.stderr)")
        let raw = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrap))
        _ = try await raw.send(ProducerRecord(topic: "clicks", value: Array("{broken".utf8)))
        _ = await raw.shutdown()

        let file = try temporaryFile(named: "clicks.sql", contents: Self.topology)
        let run = try BackgroundEddy(["run", file.path, "--brokers", broker.bootstrap, "--group", "cli-run"])
        let slow = try await readAll(topic: "clicks.slow", bootstrap: broker.bootstrap, count: 29)
        let dead = try await readAll(topic: "clicks.errors", bootstrap: broker.bootstrap, count: 1)
        let status = await run.stop(signal: SIGTERM)
        #expect(status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("stopping: flushing outputs and committing offsets"))
        #expect(run.stderr.contains("rows in: 41"), "\(run.stderr)")
        #expect(Set(slow.map { String(decoding: $0.value, as: UTF8.self) }) == Set((11..<40).map { "{\"PAGE\":\"p\($0 % 4)\",\"MS\":\($0 * 10)}" }))
        #expect(dead.count == 1)

        // Every input offset is committed: a new member of the group has nothing left to read.
        let checker = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrap), groupID: "cli-run")
        let partitions = try await checker.describeTopic("clicks").partitions.map { TopicPartition(topic: "clicks", partition: $0.id) }
        let lags = try await checker.lag(for: partitions)
        #expect(lags.allSatisfy { $0.lag == 0 }, "\(lags)")
        try await checker.close()
    }
}

/// Reads `topic` from the beginning until `count` records arrived (or `timeout` seconds passed).
func readAll(topic: String, bootstrap: String, count: Int, timeout: Double = 20) async throws -> [KafkaRecord] {
    let reader = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "10")]),
                                   groupID: "reader-\(UInt32.random(in: 0...UInt32.max))")
    let partitions = try await reader.describeTopic(topic).partitions
    try reader.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: KafkaOffset.beginning) })
    var records: [KafkaRecord] = []
    let deadline = Date().addingTimeInterval(timeout)
    while records.count < count && Date() < deadline {
        records += try await reader.pollRecords(timeout: .milliseconds(100))
    }
    try await reader.close()
    return records
}
