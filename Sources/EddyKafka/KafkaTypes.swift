/// A topic and partition: the unit of assignment, ordering and offsets.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

/// An offset to store, commit or seek to. For commits, `offset` is the *next* offset to read
/// (last processed + 1), as Kafka defines it.
public struct TopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64
    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }
    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(TopicPartition(topic: topic, partition: partition), offset: offset)
    }
    public var description: String { "\(topicPartition)@\(offset)" }
}

/// Symbolic offsets librdkafka understands in seeks and starting positions.
public enum KafkaOffset {
    public static let beginning: Int64 = -2
    public static let end: Int64 = -1
    /// "Use the committed offset" (or `auto.offset.reset` when none).
    public static let stored: Int64 = -1000
}

/// One message header. Kafka headers are ordered and may repeat; a `nil` value is a null header.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// Lowest and next (high) offsets held by a partition; `high - low` messages are available.
public struct Watermarks: Sendable, Hashable {
    public var low: Int64
    public var high: Int64
    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

/// How far a consumer group is behind one partition's end.
public struct PartitionLag: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// The group's committed offset, or nil when nothing is committed yet.
    public var committed: Int64?
    public var watermarks: Watermarks
    /// Messages not yet committed: `high - committed` (or `high - low` when nothing is committed).
    public var lag: Int64 { watermarks.high - (committed ?? watermarks.low) }
}

public struct BrokerMetadata: Sendable, Hashable {
    public var id: Int32
    public var host: String
    public var port: Int
}

public struct PartitionMetadata: Sendable, Hashable {
    public var id: Int32
    public var leader: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]
}

public struct TopicMetadata: Sendable, Hashable {
    public var name: String
    public var partitions: [PartitionMetadata]
    /// librdkafka's text when the broker reported an error for this topic (e.g. unknown topic).
    public var error: String?
}

public struct ClusterMetadata: Sendable, Hashable {
    public var brokers: [BrokerMetadata]
    public var topics: [TopicMetadata]
}
