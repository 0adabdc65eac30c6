import EddyKafka
import Testing

/// Topic configs through the Admin API (CreateTopics with configs, DescribeConfigs) and the consumer
/// position, against the embedded cluster, whose limits these tests pin down: it answers neither
/// admin request (no such API, and a controller id that is none of its brokers).
@Suite("Admin topic configs and consumer position")
struct AdminConfigTests {
    @Test("On the embedded cluster, CreateTopics with configs and DescribeConfigs fail at once as unsupported, instead of waiting for their timeout")
    func embeddedClusterHasNoConfigAPIs() async throws {
        let existing = uniqueName("existing")
        let cluster = try TestCluster(topics: [.init(name: existing, partitions: 1)])
        let admin = try KafkaAdmin(configuration: cluster.configuration())
        let clock = ContinuousClock()
        let started = clock.now
        let created = uniqueName("compacted")
        let createError = await #expect(throws: KafkaError.self) {
            try await admin.createTopics([NewTopic(name: created, partitions: 1, configs: ["cleanup.policy": "compact", "max.message.bytes": "2000000"])])
        }
        #expect(createError?.kind == .unsupported)
        #expect(createError?.message.contains("CreateTopics") == true)
        let describeError = await #expect(throws: KafkaError.self) { _ = try await admin.topicConfigs(existing) }
        #expect(describeError?.kind == .unsupported)
        #expect(describeError?.message.contains("DescribeConfigs") == true)
        // The requests' own timeouts are 30 s and 10 s: both answers came from the controller check.
        #expect(clock.now - started < .seconds(8))
        #expect(try await admin.listTopics().map(\.name).contains(created) == false)
    }

    @Test("A topic config with an empty name is refused before any request is sent")
    func emptyConfigName() async throws {
        let cluster = try TestCluster(topics: [])
        let admin = try KafkaAdmin(configuration: cluster.configuration())
        let error = await #expect(throws: KafkaError.self) {
            try await admin.createTopics([NewTopic(name: uniqueName("t"), partitions: 1, configs: ["": "compact"])])
        }
        #expect(error?.kind == .admin)
        #expect(error?.message.contains("invalid config") == true)
    }

    @Test("The consumer's position reaches the partition's end offset once everything is read, committed transactions included")
    func positionReachesEnd() async throws {
        let topic = uniqueName("pos")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let txn = try KafkaTransactionalProducer(configuration: cluster.configuration(), transactionalID: uniqueName("tid"))
        try await txn.initTransactions()
        for batch in 0..<2 {
            try txn.beginTransaction()
            for index in 0..<3 {
                try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, partition: 0, key: nil, value: bytes("b\(batch)-\(index)")))
            }
            try await txn.commitTransaction()
        }
        _ = await txn.shutdown()

        let reader = try KafkaConsumer(configuration: cluster.consumerConfiguration([("isolation.level", "read_committed")]), groupID: uniqueName("g"))
        let partition = TopicPartition(topic: topic, partition: 0)
        try reader.assign([TopicPartitionOffset(partition, offset: KafkaOffset.beginning)])
        #expect(try reader.position(partition) == nil)
        let records = try await consume(reader, count: 6)
        #expect(records.count == 6)
        let end = try await reader.watermarks(topic: topic, partition: 0).high
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        var position = try reader.position(partition)
        while position != end, clock.now < deadline {
            _ = try await reader.pollRecords(timeout: .milliseconds(50))
            position = try reader.position(partition)
        }
        #expect(position == end)
        #expect((records.last?.offset ?? -1) < end)
        try await reader.close()
    }
}
