import EddyKafka
import Testing

@Suite("Producer and consumer against the embedded cluster")
struct ProducerConsumerTests {
    @Test("Records round-trip with keys, headers and values intact")
    func roundTrip() async throws {
        let topic = uniqueName("roundtrip")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 3)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        let sent = (0..<30).map { index in
            ProducerRecord(
                topic: topic, key: index % 5 == 0 ? nil : bytes("key-\(index)"), value: bytes("{\"n\":\(index),\"text\":\"é✓\"}"),
                headers: index % 2 == 0 ? [KafkaHeader(key: "h", value: bytes("v\(index)")), KafkaHeader(key: "null", value: nil)] : []
            )
        }
        let outcome = try await producer.send(batch: sent)
        #expect(outcome.succeeded)
        #expect(producer.statistics.delivered == 30)

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let received = try await consume(consumer, count: 30)
        try await consumer.close()
        #expect(received.count == 30)
        let byValue = Dictionary(uniqueKeysWithValues: received.map { ($0.value, $0) })
        for record in sent {
            let got = try #require(byValue[record.value])
            #expect(got.key == record.key)
            #expect(got.headers == record.headers)
            #expect(got.topic == topic)
        }
        _ = await producer.shutdown()
    }

    @Test("send awaits a per-message delivery report with partition and offset")
    func perMessageDelivery() async throws {
        let topic = uniqueName("single")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        let first = try await producer.send(ProducerRecord(topic: topic, value: bytes("a")))
        let second = try await producer.send(ProducerRecord(topic: topic, value: bytes("b")))
        #expect(first.partition == 0 && second.partition == 0)
        #expect(second.offset == first.offset + 1)
        #expect(second.sequence > first.sequence)
        let stats = await producer.shutdown()
        #expect(stats.delivered == 2 && stats.failed == 0 && stats.pending == 0)
    }
}
