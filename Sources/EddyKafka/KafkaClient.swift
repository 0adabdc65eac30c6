internal import CRdKafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `rd_kafka_t` and destroys it in `deinit`. Every other type reaches librdkafka through
/// one of these, so the handle's lifetime is in exactly one place.
///
/// librdkafka handles are thread-safe, hence `@unchecked Sendable`.
final class KafkaClient: @unchecked Sendable {
    enum Role { case producer, consumer }

    let handle: OpaquePointer
    let role: Role
    /// Objects whose addresses were given to librdkafka as `opaque`; kept alive as long as the handle.
    private let retained: [AnyObject]

    /// Creates the handle. `conf` is consumed (librdkafka takes it over on success; we free it on failure).
    init(role: Role, conf: OpaquePointer, retaining retained: [AnyObject] = []) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let type = role == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(kind: .configuration, message: "could not create Kafka client: \(text)")
        }
        self.handle = handle
        self.role = role
        self.retained = retained
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// The cluster's metadata. Used at start-up to prove the brokers are reachable: librdkafka
    /// itself retries forever, so without this an unreachable broker would hang every command.
    func metadata(topic: String? = nil, timeout: Duration) throws(KafkaError) -> ClusterMetadata {
        var metadataPointer: UnsafePointer<rd_kafka_metadata>?
        var topicHandle: OpaquePointer?
        if let topic {
            topicHandle = rd_kafka_topic_new(handle, topic, nil)
        }
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        let err = rd_kafka_metadata(handle, topicHandle == nil ? 1 : 0, topicHandle, &metadataPointer, milliseconds(timeout))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadataPointer else {
            let brokers = String(cString: rd_kafka_name(handle))
            if err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                throw KafkaError(
                    kind: .unreachable, code: String(cString: rd_kafka_err2name(err)),
                    message: "no Kafka broker answered within \(timeout) (\(String(cString: rd_kafka_err2str(err)))); check --brokers and that the cluster is running"
                )
            }
            _ = brokers
            throw KafkaError.fromResponse(err, kind: .unreachable, context: "metadata request failed")
        }
        defer { rd_kafka_metadata_destroy(metadataPointer) }
        return ClusterMetadata(metadataPointer.pointee)
    }

    /// Low and high watermark offsets of one partition, asked of the partition leader.
    func watermarks(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> Watermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, milliseconds(timeout))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "watermarks of \(topic)[\(partition)]")
        }
        return Watermarks(low: low, high: high)
    }
}

extension ClusterMetadata {
    init(_ md: rd_kafka_metadata) {
        var brokers: [BrokerMetadata] = []
        for index in 0..<Int(md.broker_cnt) {
            let broker = md.brokers[index]
            brokers.append(BrokerMetadata(id: broker.id, host: String(cString: broker.host), port: Int(broker.port)))
        }
        var topics: [TopicMetadata] = []
        for index in 0..<Int(md.topic_cnt) {
            let topic = md.topics[index]
            var partitions: [PartitionMetadata] = []
            for p in 0..<Int(topic.partition_cnt) {
                let partition = topic.partitions[p]
                let replicas = (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] }
                let isrs = (0..<Int(partition.isr_cnt)).map { partition.isrs[$0] }
                partitions.append(PartitionMetadata(id: partition.id, leader: partition.leader, replicas: replicas, inSyncReplicas: isrs))
            }
            partitions.sort { $0.id < $1.id }
            let error: String? = topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(topic.err))
            topics.append(TopicMetadata(name: String(cString: topic.topic), partitions: partitions, error: error))
        }
        topics.sort { $0.name < $1.name }
        self.init(brokers: brokers, topics: topics)
    }
}
