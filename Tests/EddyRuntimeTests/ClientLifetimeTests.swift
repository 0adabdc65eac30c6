import EddyKafka
@testable import EddyRuntime
import Foundation
import Testing

/// A stopped pipeline must release its Kafka clients: librdkafka's threads live until `rd_kafka_destroy`,
/// which runs in the clients' `deinit`, so a reference cycle would leave a consumer fetching from the
/// cluster forever (and a long-running process, such as a benchmark running several pipelines, would
/// accumulate them). Checked through weak references rather than the process's thread count, which
/// other tests running in parallel change.
@Suite("Kafka client lifetime")
struct ClientLifetimeTests {
    @Test("A stopped and dropped pipeline destroys its consumer and producer")
    func pipelineReleasesItsClients() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let records = (0..<60).map(EventsTopology.event) + EventsTopology.sentinels()
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrapServers)

        weak var pipelineLeft: KafkaPipeline?
        weak var consumerLeft: KafkaConsumer?
        weak var producerLeft: KafkaProducer?
        do {
            let pipeline = try KafkaPipeline(topology: topology.topology(),
                                             configuration: pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g")))
            pipelineLeft = pipeline
            consumerLeft = pipeline.worker.consumer
            producerLeft = pipeline.worker.producer
            try await pipeline.start()
            #expect(try await eventually { pipeline.progress.recordsIn == records.count })
            try await pipeline.stop()
        }
        #expect(try await eventually(timeout: .seconds(5)) { pipelineLeft == nil }, "the pipeline is still referenced after stop()")
        #expect(try await eventually(timeout: .seconds(5)) { consumerLeft == nil }, "the consumer outlives its pipeline")
        #expect(try await eventually(timeout: .seconds(5)) { producerLeft == nil }, "the producer outlives its pipeline")
    }
}
