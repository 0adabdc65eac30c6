import CRdKafka
import EddyKafka
import EddyRuntime
import Foundation
import Synchronization
import Testing

/// librdkafka's mock cluster driven directly, because these tests need what `EmbeddedCluster` does
/// not offer: taking brokers down and up again (`rd_kafka_mock_broker_set_down`/`_up`), slowing
/// one down (`rd_kafka_mock_broker_set_rtt`) and placing partition leaders and coordinators.
final class OutageCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    let bootstrap: String
    let brokers: Int

    init(brokers: Int = 1, topics: [EmbeddedCluster.Topic]) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let conf = rd_kafka_conf_new(),
              let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            throw KafkaError(kind: .embeddedCluster, message: "cannot create the mock cluster's client")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw KafkaError(kind: .embeddedCluster, message: "cannot create the mock cluster")
        }
        self.handle = handle
        self.cluster = cluster
        self.brokers = brokers
        bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        for topic in topics { _ = rd_kafka_mock_topic_create(cluster, topic.name, Int32(topic.partitions), 1) }
    }

    /// Every broker refuses connections (and drops the open ones) until `setUp()`.
    func setDown() { for id in 1...brokers { _ = rd_kafka_mock_broker_set_down(cluster, Int32(id)) } }
    func setUp() { for id in 1...brokers { _ = rd_kafka_mock_broker_set_up(cluster, Int32(id)) } }

    /// Delays every response of broker `id` by `milliseconds`.
    func setRoundTrip(broker id: Int32, milliseconds: Int32) { _ = rd_kafka_mock_broker_set_rtt(cluster, id, milliseconds) }

    /// Makes broker `id` the leader of every partition of `topic`.
    func lead(_ topic: EmbeddedCluster.Topic, by id: Int32) {
        for partition in 0..<Int32(topic.partitions) { _ = rd_kafka_mock_partition_set_leader(cluster, topic.name, partition, id) }
    }

    /// Makes broker `id` the coordinator of consumer group `group`.
    func coordinate(group: String, by id: Int32) { _ = rd_kafka_mock_coordinator_set(cluster, "group", group, id) }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }
}

/// Collects a pipeline's log lines.
final class LogLines: Sendable {
    let lines = Mutex<[String]>([])
    func write(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("KafkaPipeline through a broker outage")
struct OutageTests {
    /// The outage the issue asks for: every broker down for 30 s, mid-stream.
    static let outage: Duration = .seconds(30)

    @Test("All three brokers go down for 30 s mid-stream: the pipeline waits, resumes, loses nothing, and logs each problem once")
    func brokerOutage() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let topology = EventsTopology()
        let cluster = try OutageCluster(brokers: 3, topics: topology.clusterTopics)
        let records = (0..<900).map(EventsTopology.event) + EventsTopology.sentinels()
        try await produce(Array(records[0..<300]), topic: topology.input, bootstrap: cluster.bootstrap)
        let expected = try KafkaPipelineTests.replay(topology, records)

        let log = LogLines()
        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: pipelineConfiguration(cluster.bootstrap, group: uniqueName("g")),
                                         log: { log.write($0) })
        try await pipeline.start()
        #expect(try await eventually { pipeline.progress.recordsIn >= 300 })

        // Mid-stream: the source keeps producing while every broker is down (its producer buffers),
        // and the pipeline has outputs to deliver and offsets to commit.
        cluster.setDown()
        let downSince = clock.now
        let source = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrap, properties: [("linger.ms", "1")]))
        for record in records[300..<600] {
            try source.enqueue(ProducerRecord(topic: topology.input, partition: record.partition, value: Array(record.json.utf8)), blockWhenFull: true)
        }
        try await Task.sleep(for: .seconds(2))
        let duringOutage = pipeline.progress
        try await Task.sleep(until: downSince + Self.outage)
        #expect(pipeline.progress.recordsIn == duringOutage.recordsIn, "nothing can be read while the brokers are down")
        cluster.setUp()
        let upAt = clock.now
        try await source.flush()
        let sourceStatistics = await source.shutdown()
        #expect(sourceStatistics.failed == 0)
        try await produce(Array(records[600...]), topic: topology.input, bootstrap: cluster.bootstrap)

        let perKey = try await readTopic(topology.perKey, bootstrap: cluster.bootstrap, count: expected.perKey.count, settle: .milliseconds(300))
        let big = try await readTopic(topology.big, bootstrap: cluster.bootstrap, count: expected.big.count, settle: .milliseconds(300))
        #expect(try await eventually { pipeline.progress.recordsIn >= records.count })
        let resumedAfter = clock.now - upAt
        try await pipeline.stop()

        // Nothing lost (at-least-once: a replayed output may repeat, identical).
        #expect(Set(big.map(\.text)) == Set(expected.big))
        // Every window is there, and every copy of it (a replay after the outage) carries the same value.
        #expect(Set(perKey.map { $0.keyText ?? "" }) == Set(expected.perKey.keys))
        for record in perKey { #expect(expected.perKey[record.keyText ?? ""] == record.text, "\(record.keyText ?? "")") }
        #expect(pipeline.progress.lateRows == 0)
        #expect(pipeline.progress.errors == 0)

        print("outage: brokers down \(Self.outage), all \(records.count) records processed \(resumedAfter) after they came back; log:\n  "
              + log.all.joined(separator: "\n  "))
        let warnings = log.all.filter { $0.hasPrefix("warning:") }
        #expect(!warnings.isEmpty, "the outage is reported")
        #expect(warnings.count == Set(warnings).count, "each problem once: \(warnings)")
        #expect(warnings.count < 10, "\(warnings)")
        #expect(log.all.contains { $0.hasPrefix("info:") && $0.contains("resumed") }, "the recovery is reported: \(log.all)")
        #expect(resumedAfter < .seconds(30), "resumed \(resumedAfter) after the brokers came back")
        #expect(clock.now - began < .seconds(120))
    }
}
