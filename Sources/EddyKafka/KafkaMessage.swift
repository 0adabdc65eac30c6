internal import CRdKafka

/// A borrowed view of one consumed message. Its buffers point into librdkafka's memory and are valid
/// only inside the `KafkaConsumer.poll` closure that produced it: decode or copy what you keep
/// (`record()` copies everything). This is what lets the hot path read bytes without copying.
public struct KafkaMessage {
    let pointer: UnsafeMutablePointer<rd_kafka_message_t>

    /// The topic name. Builds a `String` (allocating for names over 15 bytes): on hot paths, route by
    /// `topicID` and look the name up once per topic.
    public var topic: String { String(cString: rd_kafka_topic_name(pointer.pointee.rkt)) }

    /// A cheap identity for the message's topic, stable for the consumer's lifetime: librdkafka keeps
    /// one topic object per name per client. Use it to route messages without building strings.
    public var topicID: KafkaTopicID { KafkaTopicID(bits: UInt(bitPattern: pointer.pointee.rkt)) }
    public var partition: Int32 { pointer.pointee.partition }
    public var offset: Int64 { pointer.pointee.offset }
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The message timestamp in epoch milliseconds (create or log-append time), if the broker set one.
    public var timestampMillis: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(pointer, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : value
    }

    /// The key bytes, or nil for a null key.
    public var key: UnsafeRawBufferPointer? {
        guard let key = pointer.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: pointer.pointee.key_len)
    }

    /// Whether the value is null (a tombstone), as opposed to present and empty: `value` is empty
    /// for both.
    public var isNullValue: Bool { pointer.pointee.payload == nil }

    /// The value bytes (empty for a null value; see `isNullValue`).
    public var value: UnsafeRawBufferPointer {
        guard let payload = pointer.pointee.payload else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: payload, count: pointer.pointee.len)
    }

    /// The headers, in order (copied; headers are rare on hot paths).
    public func headers() -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(pointer, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// An owned copy that may outlive the poll closure.
    public func record() -> KafkaRecord {
        KafkaRecord(
            topic: topic, partition: partition, offset: offset, timestampMillis: timestampMillis,
            key: key.map { Array($0) }, value: Array(value), headers: headers()
        )
    }
}

/// One poll's worth of messages, in the order librdkafka delivered them (per partition: offset order).
/// Valid only inside the `KafkaConsumer.poll` closure.
public struct KafkaMessageBatch: RandomAccessCollection {
    let messages: UnsafeBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?>

    public var startIndex: Int { 0 }
    public var endIndex: Int { messages.count }
    public subscript(position: Int) -> KafkaMessage { KafkaMessage(pointer: messages[position]!) }

    /// For each partition in the batch, the offset to store once every message of it is processed:
    /// the highest offset + 1.
    public func nextOffsets() -> [TopicPartitionOffset] {
        // Keyed by topic identity, so no topic string is built per message.
        var highest: [PartitionIdentity: (offset: Int64, index: Int)] = [:]
        for index in indices {
            let message = self[index]
            let key = PartitionIdentity(topic: message.topicID, partition: message.partition)
            if let seen = highest[key], seen.offset >= message.offset { continue }
            highest[key] = (message.offset, index)
        }
        return highest.values.map { TopicPartitionOffset(self[$0.index].topicPartition, offset: $0.offset + 1) }
            .sorted { ($0.topicPartition.topic, $0.topicPartition.partition) < ($1.topicPartition.topic, $1.topicPartition.partition) }
    }

    private struct PartitionIdentity: Hashable {
        let topic: KafkaTopicID
        let partition: Int32
    }
}

/// An owned consumed message, for the convenient `AsyncSequence` API and for tests.
public struct KafkaRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestampMillis: Int64?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32, offset: Int64, timestampMillis: Int64?, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMillis = timestampMillis
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// Identifies a topic within one consumer without building its name (see `KafkaMessage.topicID`).
public struct KafkaTopicID: Hashable, Sendable {
    let bits: UInt
}
