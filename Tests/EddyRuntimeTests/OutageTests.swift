import CRdKafka
import EddyKafka
import EddyRuntime
import Foundation
import Synchronization
import Testing

/// librdkafka's mock cluster driven directly, because the test needs what `EmbeddedCluster` does not
/// offer: taking a broker down and up again (`rd_kafka_mock_broker_set_down`/`_up`).
final class OutageCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    let bootstrap: String

    init(topics: [EmbeddedCluster.Topic]) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let conf = rd_kafka_conf_new(),
              let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            throw KafkaError(kind: .embeddedCluster, message: "cannot create the mock cluster's client")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, 1) else {
            rd_kafka_destroy(handle)
            throw KafkaError(kind: .embeddedCluster, message: "cannot create the mock cluster")
        }
        self.handle = handle
        self.cluster = cluster
        bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        for topic in topics { _ = rd_kafka_mock_topic_create(cluster, topic.name, Int32(topic.partitions), 1) }
    }

    func setDown() { _ = rd_kafka_mock_broker_set_down(cluster, 1) }
    func setUp() { _ = rd_kafka_mock_broker_set_up(cluster, 1) }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }
}

@Suite("KafkaPipeline through a broker outage")
struct OutageTests {
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
        func write(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test("The broker goes down for 3 s mid-stream: the pipeline waits, resumes, loses nothing, and logs each problem once")
    func brokerOutage() async throws {
        let topology = EventsTopology()
        let cluster = try OutageCluster(topics: topology.clusterTopics)
        let records = (0..<600).map(EventsTopology.event)
        try await produce(Array(records[0..<300]), topic: topology.input, bootstrap: cluster.bootstrap)
        let expectedBig = try KafkaPipelineTests.replay(topology, records).big

        let log = Log()
        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: pipelineConfiguration(cluster.bootstrap, group: uniqueName("g")),
                                         log: { log.write($0) })
        try await pipeline.start()
        #expect(try await eventually { pipeline.progress.recordsIn >= 300 })

        cluster.setDown()
        try await Task.sleep(for: .seconds(3))
        cluster.setUp()
        try await produce(Array(records[300...]), topic: topology.input, bootstrap: cluster.bootstrap)

        let big = try await readTopic(topology.big, bootstrap: cluster.bootstrap, count: expectedBig.count, settle: .milliseconds(300))
        #expect(try await eventually { pipeline.progress.recordsIn >= records.count })
        try await pipeline.stop()

        #expect(Set(big.map(\.text)) == Set(expectedBig))
        let warnings = log.all.filter { $0.hasPrefix("warning:") }
        #expect(!warnings.isEmpty, "the outage is reported")
        #expect(warnings.count == Set(warnings).count, "each problem once: \(warnings)")
        #expect(warnings.count < 10, "\(warnings)")
    }
}
