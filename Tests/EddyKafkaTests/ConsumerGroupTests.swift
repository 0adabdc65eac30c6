import EddyKafka
import Dispatch
import Synchronization
import Testing

/// Waits (sleeping the task) until `condition` holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

@Suite("Consumer groups")
struct ConsumerGroupTests {
    @Test("Two members split the partitions; when one leaves, the other owns them all")
    func splitAndTakeOver() async throws {
        let topic = uniqueName("group")
        let group = uniqueName("g")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 4)])
        let eventsA = Recorder<RebalanceEvent>()
        let eventsB = Recorder<RebalanceEvent>()
        let a = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: group, onRebalance: { eventsA.append($0) })
        let b = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: group, onRebalance: { eventsB.append($0) })
        try a.subscribe(topics: [topic])
        try b.subscribe(topics: [topic])
        let pollA = KafkaConsumerLoop(consumer: a) { _ in }
        let pollB = KafkaConsumerLoop(consumer: b) { _ in }

        let split = try await eventually {
            let ownedA = try a.assignment(), ownedB = try b.assignment()
            return ownedA.count == 2 && ownedB.count == 2 && Set(ownedA).isDisjoint(with: ownedB)
        }
        #expect(split)
        #expect(eventsA.all.contains { if case .assigned(let parts) = $0 { parts.count == 2 } else { false } })

        try await pollB.stop()
        try await b.close()
        #expect(eventsB.all.contains { if case .revoked(let parts) = $0 { parts.count == 2 } else { false } })

        let takeover = try await eventually { try a.assignment().count == 4 }
        #expect(takeover)
        let all = (0..<4).map { TopicPartition(topic: topic, partition: Int32($0)) }
        #expect(try a.assignment() == all)
        try await pollA.stop()
        try await a.close()
    }

    @Test("A consumer that processed K of N and restarts resumes at K")
    func resumeAfterRestart() async throws {
        let topic = uniqueName("resume")
        let group = uniqueName("g")
        let total = 40, processed = 15
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        let outcome = try await producer.send(batch: (0..<total).map { ProducerRecord(topic: topic, value: bytes("r\($0)")) })
        #expect(outcome.succeeded)

        do {
            let first = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: group)
            try first.subscribe(topics: [topic])
            let seen = try await consume(first, count: total)
            #expect(seen.count == total)
            // Only the first K are finished; the rest were fetched but not processed.
            for record in seen.prefix(processed) { try first.storeProcessed(record) }
            try await first.commit()
            try await first.close()
        }

        let second = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: group)
        try second.subscribe(topics: [topic])
        let rest = try await consume(second, count: total - processed)
        try await second.close()
        #expect(rest.map(\.value) == (processed..<total).map { bytes("r\($0)") })
        _ = await producer.shutdown()
    }
}
