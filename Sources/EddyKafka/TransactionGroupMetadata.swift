internal import CRdKafka

/// The consumer group's identity at one moment (group id, generation, member id), to pass to
/// `KafkaTransactionalProducer.sendOffsetsToTransaction`.
///
/// Why it matters: the group coordinator rejects offsets sent with a stale generation, so a consumer
/// that lost its partitions in a rebalance cannot commit inputs it no longer owns (fencing on the
/// consumer side). Take it from the consumer (`KafkaConsumer.groupMetadata()`) right before sending
/// offsets. `init(groupID:)` carries only the group id (no generation): use it only where no consumer
/// is at hand, such as tests.
///
/// Owns a `rd_kafka_consumer_group_metadata_t`; it is immutable once created, hence `@unchecked Sendable`.
public final class ConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The consumer group (`group.id`).
    public let groupID: String

    init(pointer: OpaquePointer, groupID: String) {
        self.pointer = pointer
        self.groupID = groupID
    }

    /// Metadata for `groupID` alone, without generation or member id.
    public convenience init(groupID: String) {
        self.init(pointer: rd_kafka_consumer_group_metadata_new(groupID), groupID: groupID)
    }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}

extension KafkaConsumer {
    /// This member's current group metadata, for `sendOffsetsToTransaction`.
    /// Fails when the consumer has no group (it was created without `group.id`, or is closed).
    public func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let pointer = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaError(kind: .consumer, message: "this consumer has no group metadata (no group.id, or already closed)")
        }
        var groupID = ""
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        if let conf = rd_kafka_conf(client.handle), rd_kafka_conf_get(conf, "group.id", &buffer, &size) == RD_KAFKA_CONF_OK {
            groupID = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return ConsumerGroupMetadata(pointer: pointer, groupID: groupID)
    }
}
