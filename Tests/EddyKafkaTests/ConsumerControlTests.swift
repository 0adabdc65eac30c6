import Dispatch
import EddyKafka
import Testing

@Suite("Consumer control: seek, pause/resume, watermarks, lag, borrowed batches")
struct ConsumerControlTests {
    /// A topic with `count` records in one partition and a consumer assigned to it from the start.
    private func fixture(count: Int) async throws -> (TestCluster, KafkaConsumer, String) {
        let topic = uniqueName("ctl")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        _ = try await producer.send(batch: (0..<count).map { ProducerRecord(topic: topic, key: bytes("k\($0)"), value: bytes("v\($0)")) })
        _ = await producer.shutdown()
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("g"))
        try consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        return (cluster, consumer, topic)
    }

    @Test("Watermarks report the partition's offsets and lag counts uncommitted records")
    func watermarksAndLag() async throws {
        let (cluster, consumer, topic) = try await fixture(count: 12)
        let marks = try await consumer.watermarks(topic: topic, partition: 0)
        #expect(marks == Watermarks(low: 0, high: 12))
        let records = try await consume(consumer, count: 12)
        #expect(records.count == 12)
        try consumer.store([TopicPartitionOffset(topic: topic, partition: 0, offset: 5)])
        try await consumer.commit()
        let lag = try await consumer.lag()
        #expect(lag.count == 1)
        #expect(lag.first?.committed == 5)
        #expect(lag.first?.lag == 7)
        try await consumer.close()
        _ = cluster
    }

    @Test("Seek rewinds an assigned partition")
    func seek() async throws {
        let (cluster, consumer, topic) = try await fixture(count: 10)
        let all = try await consume(consumer, count: 10)
        #expect(all.map(\.offset) == Array(0..<10))
        try await consumer.seek([TopicPartitionOffset(topic: topic, partition: 0, offset: 7)])
        let again = try await consume(consumer, count: 3)
        #expect(again.map(\.offset) == [7, 8, 9])
        try await consumer.close()
        _ = cluster
    }

    @Test("Paused partitions deliver nothing until resumed")
    func pauseResume() async throws {
        let (cluster, consumer, topic) = try await fixture(count: 5)
        let partition = TopicPartition(topic: topic, partition: 0)
        // Let the assignment take effect, then pause before anything is fetched into our hands.
        try consumer.pause([partition])
        let whilePaused = try await consume(consumer, count: 1, timeout: .milliseconds(600))
        #expect(whilePaused.isEmpty)
        try consumer.resume([partition])
        let afterResume = try await consume(consumer, count: 5)
        #expect(afterResume.map(\.offset) == Array(0..<5))
        try await consumer.close()
        _ = cluster
    }

    @Test("A borrowed batch exposes bytes in place and its next offsets")
    func borrowedBatch() async throws {
        let (cluster, consumer, topic) = try await fixture(count: 8)
        // Poll on a GCD thread, as the runtime's consumer loop does: never on the cooperative pool.
        let (keys, next) = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "batch-test").async {
                continuation.resume(with: Result {
                    var keys: [String] = []
                    var next: [TopicPartitionOffset] = []
                    var topicIDs = Set<KafkaTopicID>()
                    let clock = ContinuousClock()
                    let deadline = clock.now + .seconds(10)
                    while keys.count < 8 && clock.now < deadline {
                        try consumer.poll(timeout: .milliseconds(100)) { batch in
                            for message in batch {
                                keys.append(String(decoding: message.key!, as: UTF8.self))
                                #expect(String(decoding: message.value, as: UTF8.self) == "v\(message.offset)")
                                #expect(message.timestampMillis != nil)
                                #expect(message.topic == topic)
                                topicIDs.insert(message.topicID)
                            }
                            if !batch.isEmpty { next = batch.nextOffsets() }
                        }
                    }
                    #expect(topicIDs.count == 1)
                    return (keys, next)
                })
            }
        }
        #expect(keys == (0..<8).map { "k\($0)" })
        #expect(next.last == TopicPartitionOffset(topic: topic, partition: 0, offset: 8))
        try await consumer.close()
        _ = cluster
    }

    @Test("records() yields owned copies and ends when the task is cancelled")
    func asyncSequence() async throws {
        let (cluster, consumer, _) = try await fixture(count: 6)
        var values: [[UInt8]] = []
        for try await record in consumer.records() {
            values.append(record.value)
            if values.count == 6 { break }
        }
        #expect(values == (0..<6).map { bytes("v\($0)") })
        try await consumer.close()
        _ = cluster
    }
}

@Suite("KafkaConsumerLoop")
struct ConsumerLoopTests {
    @Test("Delivers every message on its own thread and stops cleanly")
    func deliversAndStops() async throws {
        let topic = uniqueName("loop")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 2)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        #expect(try await producer.send(batch: (0..<50).map { ProducerRecord(topic: topic, value: bytes("m\($0)")) }).succeeded)
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("g"))
        let partitions = try await consumer.describeTopic(topic).partitions
        try consumer.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: KafkaOffset.beginning) })
        let seen = Recorder<[UInt8]>()
        let emptyPolls = Recorder<Int>()
        let loop = KafkaConsumerLoop(consumer: consumer, pollTimeout: .milliseconds(20)) { batch in
            if batch.isEmpty { emptyPolls.append(1) }
            for message in batch { seen.append(Array(message.value)) }
        }
        #expect(try await eventually { seen.all.count == 50 && !emptyPolls.all.isEmpty })
        try await loop.stop()
        #expect(Set(seen.all) == Set((0..<50).map { bytes("m\($0)") }))
        try await consumer.close()
        _ = await producer.shutdown()
        _ = cluster
    }

    @Test("An error thrown by the batch handler ends the loop and is rethrown")
    func handlerErrorEndsLoop() async throws {
        struct Stop: Error {}
        let topic = uniqueName("loop-err")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("g"))
        let loop = KafkaConsumerLoop(consumer: consumer, pollTimeout: .milliseconds(10)) { _ in throw Stop() }
        await #expect(throws: Stop.self) { try await loop.finished() }
        await #expect(throws: Stop.self) { try await loop.stop() }
        try await consumer.close()
        _ = cluster
    }
}
