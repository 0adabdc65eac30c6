import EddyKafka
import Foundation

/// Reads the soaked run's output topics while it runs and counts rows produced more than once.
///
/// A row is named by JSON fields that identify it (group key and window, or the input record's id);
/// a second row with the same name is a repeat, and a *divergent* repeat if its value differs from
/// the first copy's (expected only for order-dependent functions such as RCF, whose replay may
/// interleave partitions differently). Reading live matters: the embedded cluster keeps only about
/// 5 MiB per partition, so a ten-minute run's outputs cannot be read back at the end.
final class OutputRepeatCounter: @unchecked Sendable {
    private let consumer: KafkaConsumer
    /// Topic → the JSON fields that name a row of it.
    private let identities: [String: [String]]
    private let lock = NSLock()
    private var firstValue: [Int: Int] = [:]
    private var counts = (rows: 0, repeats: 0, divergent: 0, unnamed: 0)
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(bootstrap: String, identities: [String: [String]]) throws {
        self.identities = identities
        consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "50")]),
            groupID: "soak-repeat-counter")
        var assignment: [TopicPartitionOffset] = []
        for topic in identities.keys {
            let partitions = try blocking { try await self.consumer.describeTopic(topic).partitions }
            assignment += partitions.map { TopicPartitionOffset(topic: topic, partition: $0.id, offset: KafkaOffset.beginning) }
        }
        try consumer.assign(assignment)
        let thread = Thread { [self] in run() }
        thread.name = "soak-repeat-counter"
        thread.start()
    }

    private func run() {
        while !lock.withLock({ stopped }) {
            _ = try? consumer.poll(timeout: .milliseconds(100)) { batch in
                for message in batch { count(topic: message.topic, value: message.value) }
            }
        }
        finished.signal()
    }

    private func count(topic: String, value: UnsafeRawBufferPointer) {
        guard let fields = identities[topic] else { return }
        let bytes = Data(value)
        var identity = Hasher(), content = Hasher()
        identity.combine(topic)
        content.combine(bytes)
        let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any]
        var named = object != nil
        for field in fields {
            guard let part = object?[field] else { named = false; break }
            identity.combine("\(part)")
        }
        let key = identity.finalize(), valueHash = content.finalize()
        lock.withLock {
            counts.rows += 1
            guard named else { counts.unnamed += 1; return }
            if let first = firstValue[key] {
                counts.repeats += 1
                if first != valueHash { counts.divergent += 1 }
            } else {
                firstValue[key] = valueHash
            }
        }
    }

    /// Rows read, repeats, divergent repeats and rows without their identity fields, so far.
    var snapshot: (rows: Int, repeats: Int, divergent: Int, unnamed: Int) { lock.withLock { counts } }

    func stop() {
        lock.withLock { stopped = true }
        finished.wait()
        try? consumer.close()
    }
}

/// Runs an async EddyKafka call from the benchmark's synchronous code.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    let box = BlockingBox<T>()
    // Detached: the caller may be the main actor, which this wait blocks.
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try box.result!.get()
}

private final class BlockingBox<T>: @unchecked Sendable { var result: Result<T, any Error>? }
