internal import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` for the duration of one call.
final class PartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(1, capacity)))
    }

    convenience init(_ partitions: [TopicPartition]) {
        self.init(capacity: partitions.count)
        for partition in partitions { add(partition, offset: nil) }
    }

    convenience init(_ offsets: [TopicPartitionOffset]) {
        self.init(capacity: offsets.count)
        for entry in offsets { add(entry.topicPartition, offset: entry.offset) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(_ partition: TopicPartition, offset: Int64?) {
        let element = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)!
        if let offset { element.pointee.offset = offset }
    }

    /// Copies a list librdkafka handed us (without taking ownership).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(TopicPartitionOffset, rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (TopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset), element.err)
        }
    }

    var entries: [(TopicPartitionOffset, rd_kafka_resp_err_t)] { Self.entries(of: pointer) }

    /// The first per-partition error, as a `KafkaError`.
    func firstError(kind: KafkaError.Kind, context: String) -> KafkaError? {
        for (entry, err) in entries where err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError.fromResponse(err, kind: kind, context: "\(context) \(entry.topicPartition)")
        }
        return nil
    }
}
