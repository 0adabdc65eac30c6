import EddyKafka
import EddyRuntime
import Foundation
import Testing

/// A stopped pipeline must release its Kafka clients: librdkafka's threads live until `rd_kafka_destroy`,
/// which runs in the clients' `deinit`, so a reference cycle would leave a consumer fetching from the
/// cluster forever (and a long-running process, such as a benchmark running several pipelines, would
/// accumulate them).
@Suite("Kafka client lifetime")
struct ClientLifetimeTests {
    /// Threads of this process named `rdk:main` (one per live librdkafka client).
    static func librdkafkaClients() -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.trimmingCharacters(in: .whitespacesAndNewlines) == "rdk:main"
        }.count
    }

    @Test("A stopped and dropped pipeline destroys its consumer and producer")
    func pipelineReleasesItsClients() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let records = (0..<60).map(EventsTopology.event) + EventsTopology.sentinels()
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrapServers)
        let before = Self.librdkafkaClients()

        weak var released: KafkaPipeline?
        do {
            let pipeline = try KafkaPipeline(topology: topology.topology(),
                                             configuration: pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g")))
            released = pipeline
            try await pipeline.start()
            #expect(try await eventually { pipeline.progress.recordsIn == records.count })
            #expect(Self.librdkafkaClients() > before)
            try await pipeline.stop()
        }
        #expect(try await eventually(timeout: .seconds(5)) { released == nil }, "the pipeline is still referenced after stop()")
        #expect(try await eventually(timeout: .seconds(5)) { Self.librdkafkaClients() == before }, "librdkafka clients left running: \(Self.librdkafkaClients() - before)")
    }
}
