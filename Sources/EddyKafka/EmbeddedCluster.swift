internal import CRdKafka

/// librdkafka's in-process mock Kafka cluster, for the demo and for tests. Not a real broker.
///
/// Limits (measured with librdkafka 2.0.2):
/// - in-memory only: everything is gone when it stops;
/// - each partition keeps only about 5 MiB; older segments are dropped silently, and there is no
///   retention setting. Give test topics enough partitions, and produce with
///   `sticky.partitioning.linger.ms=0` so records spread over them;
/// - binds random loopback ports (read `bootstrapServers`);
/// - no CreateTopics API: declare topics here (`topics:` or `createTopic`); topics first used
///   without declaration are auto-created with 4 partitions;
/// - no topic configs, no compaction: it offers neither CreateTopics nor DescribeConfigs (its
///   ApiVersions lists neither), and names a controller (id 0) that is none of its brokers, so both
///   requests would wait for their timeout; `KafkaAdmin` fails them at once as `.unsupported`.
public final class EmbeddedCluster: @unchecked Sendable {
    /// A topic to declare at start.
    public struct Topic: Sendable, Hashable {
        public var name: String
        public var partitions: Int
        public init(name: String, partitions: Int) {
            self.name = name
            self.partitions = partitions
        }

        /// Parses `NAME[:PARTITIONS]` (partitions default to `defaultPartitions`).
        public static func parse(_ text: String, defaultPartitions: Int = 4) throws(KafkaError) -> Topic {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty, parts.count <= 2 else {
                throw KafkaError(kind: .embeddedCluster, message: "topic must be NAME[:PARTITIONS], got '\(text)'")
            }
            guard parts.count == 2 else { return Topic(name: String(name), partitions: defaultPartitions) }
            guard let count = Int(parts[1]), count > 0 else {
                throw KafkaError(kind: .embeddedCluster, message: "partition count in '\(text)' must be a positive integer")
            }
            return Topic(name: String(name), partitions: count)
        }
    }

    private let client: KafkaClient
    let cluster: OpaquePointer
    public let brokerCount: Int
    /// `host:port,...` for `bootstrap.servers`.
    public let bootstrapServers: String

    public init(brokers: Int = 1, topics: [Topic] = []) throws(KafkaError) {
        guard brokers >= 1 else {
            throw KafkaError(kind: .embeddedCluster, message: "broker count must be at least 1, got \(brokers)")
        }
        // The mock cluster needs a client handle for its internal bookkeeping; it is otherwise unused.
        let conf = try KafkaConfiguration().makeNativeConf()
        client = try KafkaClient(role: .producer, conf: conf)
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError(kind: .embeddedCluster, message: "could not start an embedded cluster with \(brokers) broker(s)")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        for topic in topics { try createTopic(topic) }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Declares a topic (replicated on up to 3 brokers). Existing topics are left as they are.
    public func createTopic(_ topic: Topic) throws(KafkaError) {
        guard topic.partitions > 0 else {
            throw KafkaError(kind: .embeddedCluster, message: "topic \(topic.name) needs at least one partition")
        }
        let replication = Int32(min(brokerCount, 3))
        let err = rd_kafka_mock_topic_create(cluster, topic.name, Int32(topic.partitions), replication)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
            throw KafkaError.fromResponse(err, kind: .embeddedCluster, context: "create topic \(topic.name)")
        }
    }
}
