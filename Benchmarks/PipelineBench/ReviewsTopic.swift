import EddyKafka
import EddyRuntime
import EddySQL
import EddyWorkload
import Foundation

/// The embedded cluster with every topic reviews.sql binds, and `messages` generated reviews in its
/// source topic. The messages are also kept in memory, for timing SENTIMENT and the forests alone
/// on the same values the pipeline reads.
struct ReviewsTopic {
    let cluster: EmbeddedCluster
    let bootstrap: String
    let sourceTopic: String
    let errorTopic: String
    let producer: KafkaProducer
    /// Message i is `buffer[offsets[i]..<offsets[i + 1]]`.
    let buffer: [UInt8]
    let offsets: [Int]

    init(topology: Topology, options: PipelineOptions) async throws {
        guard let source = topology.streams.first(where: \.isSource)?.binding.topic else { fail("reviews.sql has no bound source") }
        sourceTopic = source
        var topics: [EmbeddedCluster.Topic] = [.init(name: source, partitions: options.partitions)]
        for stream in topology.streams where !stream.isSource {
            if let topic = topology.effectiveTopic(stream), !topics.contains(where: { $0.name == topic }) {
                topics.append(.init(name: topic, partitions: stream.binding.partitions ?? 4))
            }
        }
        cluster = try EmbeddedCluster(brokers: 1, topics: topics)
        bootstrap = cluster.bootstrapServers
        errorTopic = topology.effectiveTopic(topology.streams[topology.streamIndex(Topology.errorStreamName)!])!
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [
            ("linger.ms", "5"), ("sticky.partitioning.linger.ms", "0"),
        ]))
        /// Event time 1000 reviews/s, starting an hour ago: 100k records span 100 s of event time.
        var generator = ReviewGenerator(seed: 7, startEventTimeMillis: Int64(wallMillis()) - 3_600_000, eventsPerSecond: 1000, anomalies: nil)
        var buffer: [UInt8] = []
        var offsets = [0]
        for _ in 0..<options.messages {
            let record = generator.next()
            buffer.append(contentsOf: record.value)
            offsets.append(buffer.count)
            try record.value.withUnsafeBytes { value in
                if let key = record.key {
                    try key.withUnsafeBytes { key in _ = try producer.enqueue(topic: source, key: key, value: value, blockWhenFull: true) }
                } else {
                    _ = try producer.enqueue(topic: source, key: nil, value: value, blockWhenFull: true)
                }
            }
        }
        try await producer.flush()
        self.producer = producer
        self.buffer = buffer
        self.offsets = offsets
    }
}
