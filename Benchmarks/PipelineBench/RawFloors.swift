import BenchmarkSupport
import CMallocCounter
import EddyKafka
import Foundation

/// One read of the whole source topic by a plain consumer: the floor for any consumer.
struct FloorRun {
    var rate: Double
    /// CPU µs per record: the reader's and the in-process brokers' serving it.
    var cpuMicrosPerRecord: Double
    /// Heap allocations per record, process-wide (librdkafka's threads included); 0 for kcat.
    var allocationsPerRecord: Double
}

enum RawFloors {
    /// kcat -X fetch.wait.max.ms=10 from the beginning to the end; CPU is kcat's plus this
    /// process's meanwhile (the brokers).
    static func kcat(_ data: ReviewsTopic, messages: Int) throws -> FloorRun {
        let run = try Kcat.run(Kcat.consumeArguments(bootstrap: data.bootstrap, topic: data.sourceTopic))
        return FloorRun(rate: Double(messages) / run.seconds,
                        cpuMicrosPerRecord: (run.kcatCPUSeconds + run.hostCPUSeconds) * 1e6 / Double(messages), allocationsPerRecord: 0)
    }

    /// EddyKafka's borrowed-batch poll loop, touching every value's length, from consumer creation
    /// to the last message (like a kcat process). With `subscribing`, the consumer joins a fresh
    /// group and subscribes, as the pipeline's does (timed from its first record, as the pipeline
    /// is: the embedded cluster's group join is left out); otherwise it assigns every partition.
    static func eddyKafkaLoop(_ data: ReviewsTopic, messages: Int, subscribing: Bool = false) async throws -> FloorRun {
        let clock = ContinuousClock()
        var start = clock.now
        var cpuStart = processCPUSeconds()
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: data.bootstrap, properties: [("fetch.wait.max.ms", "10")]),
                                         groupID: "raw-\(UInt32.random(in: 0...UInt32.max))", startPosition: .earliest)
        if subscribing {
            try consumer.subscribe(topics: [data.sourceTopic])
        } else {
            let described = try await consumer.describeTopic(data.sourceTopic)
            try consumer.assign(described.partitions.map { TopicPartitionOffset(topic: data.sourceTopic, partition: $0.id, offset: KafkaOffset.beginning) })
        }
        var count = 0, bytes = 0
        var firstAllocations: UInt64 = 0
        let deadline = clock.now + .seconds(120)
        while count < messages && clock.now < deadline {
            try consumer.poll(timeout: .milliseconds(100)) { batch in
                if count == 0, !batch.isEmpty {
                    firstAllocations = eddy_malloc_count()
                    if subscribing { start = clock.now; cpuStart = processCPUSeconds() }
                }
                for message in batch { bytes &+= message.value.count }
                count += batch.count
            }
        }
        let elapsed = seconds(clock.now - start)
        let cpu = processCPUSeconds() - cpuStart
        let allocations = Double(eddy_malloc_count() - firstAllocations) / Double(messages)
        try await consumer.close()
        guard count == messages else { fail("raw loop consumed \(count) of \(messages)") }
        return FloorRun(rate: Double(messages) / elapsed, cpuMicrosPerRecord: cpu * 1e6 / Double(messages), allocationsPerRecord: allocations)
    }
}
