/// Owned consumed records as an `AsyncSequence`. Polling happens on the consumer's dispatch queue,
/// a batch at a time, so the cooperative pool never blocks; the iterator hands them out one by one.
public struct KafkaRecordSequence: AsyncSequence, Sendable {
    public typealias Element = KafkaRecord
    let consumer: KafkaConsumer
    let pollTimeout: Duration

    public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer, pollTimeout: pollTimeout) }

    public struct Iterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let pollTimeout: Duration
        var buffer: [KafkaRecord] = []
        var index = 0

        public mutating func next() async throws -> KafkaRecord? {
            while index == buffer.count {
                if Task.isCancelled || consumer.isClosed { return nil }
                buffer = try await consumer.pollRecords(timeout: pollTimeout)
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
