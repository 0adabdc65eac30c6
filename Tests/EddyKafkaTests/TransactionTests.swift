import EddyKafka
import Testing

/// Kafka transactions on the embedded cluster. The mock accepts the whole protocol but neither hides
/// aborted records nor stores transactional offsets nor fences (see `KafkaTransactionalProducer`), so
/// these tests prove the calls go through the real protocol, not exactly-once end to end.
@Suite("Kafka transactions")
struct TransactionTests {
    @Test("A committed batch and an aborted batch go through, and the committed records are readable")
    func commitAndAbort() async throws {
        let topic = uniqueName("txn"), group = uniqueName("g")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 2)])
        let txn = try KafkaTransactionalProducer(configuration: cluster.configuration([("retry.backoff.ms", "10")]), transactionalID: uniqueName("tid"))
        try await txn.initTransactions()

        try txn.beginTransaction()
        for index in 0..<20 {
            try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: bytes("k\(index)"), value: bytes("committed-\(index)")))
        }
        try await txn.sendOffsetsToTransaction(
            [TopicPartitionOffset(topic: topic, partition: 0, offset: 5)], groupMetadata: ConsumerGroupMetadata(groupID: group)
        )
        try await txn.commitTransaction()

        try txn.beginTransaction()
        for index in 0..<10 {
            try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: bytes("a\(index)"), value: bytes("aborted-\(index)")))
        }
        try await txn.abortTransaction()
        let statistics = await txn.shutdown()
        // Aborting purges the aborted batch's undelivered messages: they report as failed, the committed never do.
        #expect(statistics.delivered >= 20)
        #expect(statistics.delivered + statistics.failed == 30)

        let reader = try KafkaConsumer(
            configuration: cluster.consumerConfiguration([("isolation.level", "read_committed")]), groupID: uniqueName("check")
        )
        let partitions = try await reader.describeTopic(topic).partitions
        try reader.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: KafkaOffset.beginning) })
        let records = try await consume(reader, count: 20)
        try await reader.close()
        let committed = Set(records.map { String(decoding: $0.value, as: UTF8.self) }.filter { $0.hasPrefix("committed-") })
        #expect(committed == Set((0..<20).map { "committed-\($0)" }))
    }

    @Test("Offsets from a live consumer's group metadata are sent within a committed transaction")
    func offsetsWithConsumerMetadata() async throws {
        let input = uniqueName("in"), output = uniqueName("out"), group = uniqueName("g")
        let cluster = try TestCluster(topics: [.init(name: input, partitions: 1), .init(name: output, partitions: 1)])
        let source = try KafkaProducer(configuration: cluster.configuration())
        #expect(try await source.send(batch: (0..<5).map { ProducerRecord(topic: input, key: nil, value: bytes("\($0)")) }).succeeded)
        _ = await source.shutdown()

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration([("enable.auto.commit", "false")]), groupID: group)
        try consumer.subscribe(topics: [input])
        let inputs = try await consume(consumer, count: 5)
        #expect(inputs.count == 5)
        let metadata = try consumer.groupMetadata()
        #expect(metadata.groupID == group)

        let txn = try KafkaTransactionalProducer(configuration: cluster.configuration([("retry.backoff.ms", "10")]), transactionalID: uniqueName("tid"))
        try await txn.initTransactions()
        try txn.beginTransaction()
        for record in inputs {
            try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: output, key: nil, value: record.value + bytes("!")))
        }
        try await txn.sendOffsetsToTransaction([TopicPartitionOffset(topic: input, partition: 0, offset: 5)], groupMetadata: metadata)
        try await txn.commitTransaction()
        _ = await txn.shutdown()
        try await consumer.close()
    }

    @Test("A restart with the same transactional.id initializes and commits again")
    func restartWithSameID() async throws {
        let topic = uniqueName("txn"), transactionalID = uniqueName("tid")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        for generation in 0..<2 {
            let txn = try KafkaTransactionalProducer(configuration: cluster.configuration(), transactionalID: transactionalID)
            try await txn.initTransactions()
            try txn.beginTransaction()
            try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: nil, value: bytes("gen-\(generation)")))
            if generation == 0 {
                // Left open: the next instance's initTransactions must cope with it.
                _ = await txn.producer.awaitDelivery(through: txn.producer.mark())
                continue
            }
            try await txn.commitTransaction()
            _ = await txn.shutdown()
        }
        // The restarted producer's commit is visible to a read_committed reader. (The mock shows the
        // abandoned generation's record too: it hides nothing, so that part is not checked here.)
        let reader = try KafkaConsumer(
            configuration: cluster.consumerConfiguration([("isolation.level", "read_committed")]), groupID: uniqueName("check"))
        try reader.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        let records = try await consume(reader, count: 2, timeout: .seconds(5))
        try await reader.close()
        #expect(records.contains { $0.value == bytes("gen-1") })
    }

    @Test("Calls in the wrong order are usage errors that say what to do")
    func usageErrors() async throws {
        let cluster = try TestCluster(topics: [.init(name: uniqueName("txn"), partitions: 1)])
        let txn = try KafkaTransactionalProducer(configuration: cluster.configuration([("retry.backoff.ms", "10")]), transactionalID: uniqueName("tid"))
        let beforeInit = #expect(throws: KafkaError.self) { try txn.beginTransaction() }
        #expect(beforeInit?.kind == .transactionUsage)
        #expect(beforeInit?.message.contains("initTransactions") == true)
        try await txn.initTransactions()
        let commitWithoutBegin = await #expect(throws: KafkaError.self) { try await txn.commitTransaction() }
        #expect(commitWithoutBegin?.kind == .transactionUsage)
        _ = await txn.shutdown()
    }

    @Test("An empty transactional.id is rejected")
    func emptyID() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaTransactionalProducer(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), transactionalID: "")
        }
        #expect(error?.kind == .configuration)
    }
}

/// The error classes, driven by errors injected into the embedded cluster's responses (it doesn't
/// fence or fail on its own).
@Suite("Kafka transaction errors")
struct TransactionErrorTests {
    /// Where each error case starts: a one-partition topic on a fresh cluster and a transactional
    /// producer for it with a transaction open.
    static func openTransaction() async throws -> (topic: String, cluster: TestCluster, txn: KafkaTransactionalProducer) {
        let topic = uniqueName("txn")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let txn = try KafkaTransactionalProducer(configuration: cluster.configuration(), transactionalID: uniqueName("tid"), onError: { _ in })
        try await txn.initTransactions()
        try txn.beginTransaction()
        return (topic, cluster, txn)
    }

    @Test("A fenced commit is fatal, and says to stop this producer")
    func fencedIsFatal() async throws {
        let (topic, cluster, txn) = try await Self.openTransaction()
        try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: nil, value: bytes("x")))
        cluster.cluster.injectErrors(on: .endTransaction, codes: [90])  // PRODUCER_FENCED
        let error = await #expect(throws: KafkaError.self) { try await txn.commitTransaction() }
        #expect(error?.kind == .transactionFatal)
        #expect(error?.message.contains("fenced") == true)
        _ = await txn.shutdown(timeout: .seconds(1))
    }

    @Test("A failure inside the transaction is abortable; after the abort a new transaction commits")
    func abortableThenRecover() async throws {
        let (topic, cluster, txn) = try await Self.openTransaction()
        cluster.cluster.injectErrors(on: .addPartitionsToTransaction, codes: [29])  // TOPIC_AUTHORIZATION_FAILED
        try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: nil, value: bytes("lost")))
        let error = await #expect(throws: KafkaError.self) { try await txn.commitTransaction() }
        #expect(error?.kind == .transactionAbortable)
        #expect(error?.message.contains("abortTransaction") == true)

        try await txn.abortTransaction()
        try txn.beginTransaction()
        try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: nil, value: bytes("kept")))
        try await txn.commitTransaction()
        _ = await txn.shutdown()
    }

    @Test("A commit that times out while the coordinator is busy is retriable, and the retry commits")
    func timeoutIsRetriable() async throws {
        let topic = uniqueName("txn")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let txn = try KafkaTransactionalProducer(
            configuration: cluster.configuration(), transactionalID: uniqueName("tid"), callTimeout: .milliseconds(300), onError: { _ in }
        )
        try await txn.initTransactions()
        try txn.beginTransaction()
        try await txn.producer.enqueueWaitingForSpace(ProducerRecord(topic: topic, key: nil, value: bytes("x")))
        cluster.cluster.injectErrors(on: .endTransaction, codes: Array(repeating: 14, count: 8))  // COORDINATOR_LOAD_IN_PROGRESS
        let error = await #expect(throws: KafkaError.self) { try await txn.commitTransaction() }
        #expect(error?.kind == .transactionRetriable)
        #expect(error?.message.contains("retry the same call") == true)
        var lastError: KafkaError? = error
        for _ in 0..<20 where lastError?.kind == .transactionRetriable {
            lastError = await commitOutcome(txn)
        }
        #expect(lastError == nil)
        _ = await txn.shutdown()
    }

    /// nil when the commit succeeded, else its error.
    private func commitOutcome(_ txn: KafkaTransactionalProducer) async -> KafkaError? {
        do throws(KafkaError) {
            try await txn.commitTransaction()
            return nil
        } catch {
            return error
        }
    }
}
