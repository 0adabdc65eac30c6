/// A message to send. Owned bytes, for convenience APIs; the hot path is
/// `KafkaProducer.enqueue(topic:key:value:...)` over borrowed buffers.
public struct ProducerRecord: Sendable, Hashable {
    public var topic: String
    /// nil lets the configured partitioner choose (by key hash when a key is set).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Producer timestamp in epoch milliseconds; nil means "now".
    public var timestampMillis: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8],
        headers: [KafkaHeader] = [], timestampMillis: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMillis = timestampMillis
    }
}
