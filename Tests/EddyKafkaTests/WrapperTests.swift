import Dispatch
import EddyKafka
import Testing

@Suite("Configuration, errors, admin and delivery tracking")
struct WrapperTests {
    @Test("An unknown property fails with librdkafka's own message")
    func unknownProperty() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: [("no.such.property", "1")])
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("No such configuration property") == true)
        #expect(error?.message.contains("no.such.property") == true)
    }

    @Test("An invalid value fails with librdkafka's validation text")
    func invalidValue() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: [("acks", "sometimes")])
        let error = #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration, groupID: "g") }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("acks") == true)
    }

    @Test("-X parsing splits at the first '=' and rejects a missing one")
    func parseAssignment() throws {
        let (key, value) = try KafkaConfiguration.parseAssignment("sasl.password=a=b")
        #expect(key == "sasl.password" && value == "a=b")
        #expect(throws: KafkaError.self) { try KafkaConfiguration.parseAssignment("novalue") }
        #expect(throws: KafkaError.self) { try KafkaConfiguration.parseAssignment("=x") }
    }

    @Test("Later properties override earlier ones")
    func overrides() {
        var configuration = KafkaConfiguration(properties: [("linger.ms", "5")])
        configuration.set("linger.ms", "0")
        #expect(configuration["linger.ms"] == "0")
        #expect(configuration.properties.count == 1)
    }

    @Test("Unreachable brokers fail the reachability check quickly")
    func unreachable() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: KafkaError.self) { try await admin.checkReachable(timeout: .seconds(1)) }
        #expect(error?.kind == .unreachable)
        #expect(clock.now - start < .seconds(5))
    }

    @Test("Embedded cluster topic specs parse NAME[:PARTITIONS]")
    func topicSpec() throws {
        #expect(try EmbeddedCluster.Topic.parse("reviews:8") == .init(name: "reviews", partitions: 8))
        #expect(try EmbeddedCluster.Topic.parse("alerts") == .init(name: "alerts", partitions: 4))
        #expect(throws: KafkaError.self) { try EmbeddedCluster.Topic.parse("x:0") }
        #expect(throws: KafkaError.self) { try EmbeddedCluster.Topic.parse(":3") }
        #expect(throws: KafkaError.self) { try EmbeddedCluster.Topic.parse("a:b:c") }
    }

    @Test("Admin lists and describes declared topics; CreateTopics is unsupported on the embedded cluster")
    func admin() async throws {
        let topic = uniqueName("admin")
        let cluster = try TestCluster(brokers: 3, topics: [.init(name: topic, partitions: 6)])
        let admin = try KafkaAdmin(configuration: cluster.configuration())
        let metadata = try await admin.metadata()
        #expect(metadata.brokers.count == 3)
        let described = try await admin.describeTopic(topic)
        #expect(described.partitions.map(\.id) == Array(0..<6))
        #expect(described.partitions.allSatisfy { $0.replicas.count == 3 })
        #expect(try await admin.listTopics().map(\.name).contains(topic))
        await #expect(throws: KafkaError.self) { try await admin.describeTopic(uniqueName("missing")) }
        let error = await #expect(throws: KafkaError.self) { try await admin.createTopics([NewTopic(name: "new", partitions: 2)]) }
        #expect(error?.kind == .unsupported)
    }

    @Test("A delivery mark resolves once every earlier message has a report")
    func deliveryMark() async throws {
        let topic = uniqueName("mark")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 4)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        let start = producer.mark()
        for index in 0..<500 {
            var value = bytes("m\(index)")
            try value.withUnsafeMutableBytes { buffer in
                _ = try producer.enqueue(topic: topic, key: nil, value: UnsafeRawBufferPointer(buffer), blockWhenFull: true)
            }
        }
        let mark = producer.mark()
        #expect(mark.sequence - start.sequence == 500)
        let outcome = await producer.awaitDelivery(through: mark, since: start)
        #expect(outcome.succeeded)
        #expect(outcome.mark == mark)
        // The blocking form, as the runtime's consumer thread uses it, sees the same outcome.
        let blocking = await withCheckedContinuation { continuation in
            DispatchQueue(label: "eddy-test-blocking").async { continuation.resume(returning: producer.waitForDelivery(through: mark, since: start)) }
        }
        #expect(blocking == outcome)
        #expect(producer.statistics.delivered == 500)
        #expect(producer.statistics.pending == 0)
        _ = await producer.shutdown()
    }

    @Test("Messages to a broker that never answers fail their delivery with a reason")
    func deliveryFailure() async throws {
        let clientErrors = Recorder<KafkaError>()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: [
            ("message.timeout.ms", "300"),
        ]), onError: { clientErrors.append($0) })
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerRecord(topic: "t", value: bytes("x")))
        }
        #expect(error?.kind == .delivery)
        let outcome = await producer.awaitDelivery(through: producer.mark())
        #expect(outcome.failures.count == 1)
        let stats = await producer.shutdown(timeout: .milliseconds(100))
        #expect(stats.failed == 1)
        // The client-level error (no broker reachable) reached the handler too.
        #expect(!clientErrors.all.isEmpty)
    }

    @Test("Shutdown fails messages still undelivered, so no waiter hangs and counts add up")
    func shutdownAbandonsPending() async throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: [
            ("message.timeout.ms", "600000"),
        ]), onError: { _ in })
        let waiter = Task { try await producer.send(ProducerRecord(topic: "t", value: bytes("x"))) }
        try producer.enqueue(ProducerRecord(topic: "t", value: bytes("y")))
        try await Task.sleep(for: .milliseconds(50))
        let stats = await producer.shutdown(timeout: .milliseconds(100))
        #expect(stats.failed == 2 && stats.pending == 0 && stats.delivered == 0)
        await #expect(throws: KafkaError.self) { try await waiter.value }
        let outcome = await producer.awaitDelivery(through: producer.mark())
        #expect(outcome.failures.count == 2)
    }
}
