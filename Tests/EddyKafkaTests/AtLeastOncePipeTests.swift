import Dispatch
import EddyKafka
import Testing

@Suite("The runtime's at-least-once pattern")
struct AtLeastOncePipeTests {
    /// Consume → transform → produce, committing input offsets only after the outputs' delivery,
    /// on a dedicated thread with borrowed batches: the loop the streaming runtime is built on.
    @Test("Input offsets are committed only after the outputs they produced are delivered")
    func pipe() async throws {
        let input = uniqueName("in"), output = uniqueName("out"), group = uniqueName("g")
        let cluster = try TestCluster(topics: [.init(name: input, partitions: 3), .init(name: output, partitions: 2)])
        let source = try KafkaProducer(configuration: cluster.configuration())
        #expect(try await source.send(batch: (0..<60).map { ProducerRecord(topic: input, key: bytes("k\($0 % 7)"), value: bytes("\($0)")) }).succeeded)
        _ = await source.shutdown()

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration([("enable.auto.commit", "false")]), groupID: group)
        try consumer.subscribe(topics: [input])
        let sink = try KafkaProducer(configuration: cluster.configuration())

        let checkpoints: Int = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "pipe").async {
                continuation.resume(with: Result {
                    var processed = 0, checkpoints = 0
                    var lastMark = DeliveryMark.start
                    let clock = ContinuousClock()
                    let deadline = clock.now + .seconds(20)
                    while processed < 60 && clock.now < deadline {
                        let offsets = try consumer.poll(timeout: .milliseconds(100)) { batch -> [TopicPartitionOffset] in
                            for message in batch {
                                // Transform: value "n" becomes "n*2", keyed like its input.
                                var doubled = Array("\(Int(String(decoding: message.value, as: UTF8.self))! * 2)".utf8)
                                try doubled.withUnsafeMutableBytes { value in
                                    _ = try sink.enqueue(topic: output, key: message.key, value: UnsafeRawBufferPointer(value), blockWhenFull: true)
                                }
                            }
                            processed += batch.count
                            return batch.nextOffsets()
                        }
                        guard !offsets.isEmpty else { continue }
                        let mark = sink.mark()
                        let outcome = sink.waitForDelivery(through: mark, since: lastMark)
                        guard outcome.succeeded else { throw outcome.failures[0].error }
                        try consumer.store(offsets)
                        try consumer.commit()
                        lastMark = mark
                        checkpoints += 1
                    }
                    return checkpoints
                })
            }
        }
        #expect(checkpoints >= 1)
        #expect(sink.statistics.delivered == 60)
        let lag = try await consumer.lag()
        #expect(lag.count == 3)
        #expect(lag.allSatisfy { $0.lag == 0 })
        try await consumer.close()
        _ = await sink.shutdown()

        let reader = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("check"))
        let partitions = try await reader.describeTopic(output).partitions
        try reader.assign(partitions.map { TopicPartitionOffset(topic: output, partition: $0.id, offset: KafkaOffset.beginning) })
        let outputs = try await consume(reader, count: 60)
        try await reader.close()
        #expect(outputs.map { Int(String(decoding: $0.value, as: UTF8.self))! }.sorted() == (0..<60).map { $0 * 2 })
    }
}
