import EddyKafka
import Foundation

/// How the rows of one output topic are named, for telling a repeat from a new row.
struct RowNaming {
    /// Top-level JSON fields that together name a row (group key and window, or a record's id).
    var fields: [String]
    /// Whether to keep each first copy's text for examples: only for low-volume (windowed) topics,
    /// because a per-record topic holds ~one row per input record.
    var keepsText: Bool
}

/// How the repeats of one output topic compared with their first copies.
struct TopicRepeats {
    var rows = 0, unnamed = 0, repeats = 0
    /// Byte for byte the same row.
    var identical = 0
    /// Every non-numeric field equal and every number within `tolerance` relative (replayed
    /// floating-point sums in another order).
    var withinTolerance = 0
    /// Anything else: another string, another shape, or a number off by more than `tolerance`.
    var divergent = 0
    var largestToleratedDifference = 0.0
    var largestDivergentDifference = 0.0
    /// Field path → divergent repeats in which it differs beyond the tolerance (numbers), or
    /// "(non-numeric fields)" when strings, booleans, nulls or the shape differ.
    var divergentFields: [String: Int] = [:]
    /// The first divergent pair: first copy (when kept) and repeat.
    var example: (first: String?, repeated: String, fields: String)?
}

/// Reads the soaked run's output topics while it runs and classifies rows produced more than once.
///
/// A row is named by the topic's `RowNaming` fields; a second row with the same name is a repeat,
/// classified against the first copy as identical, equal within 1e-9 relative on every number
/// (and exactly elsewhere), or divergent. Order-independent aggregates must never be divergent;
/// order-dependent functions (RCF scores and explanations, alerts) may be, when one task replays
/// many partitions in another interleaving. Reading live matters: the embedded cluster keeps only
/// about 5 MiB per partition, so a ten-minute run's outputs cannot be read back at the end.
final class OutputRepeatCounter: @unchecked Sendable {
    static let tolerance = 1e-9

    private let consumer: KafkaConsumer
    private let namings: [String: RowNaming]
    private let lock = NSLock()
    private var first: [Int: RowFingerprint] = [:]
    /// Per topic, the numeric field paths of each row shape seen, indexed by `RowFingerprint.shape`.
    private var shapes: [String: [[String]]] = [:]
    private var topics: [String: TopicRepeats] = [:]
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    private let decoder = JSONDecoder()

    init(bootstrap: String, namings: [String: RowNaming]) throws {
        self.namings = namings
        consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "50")]),
            groupID: "soak-repeat-counter")
        var assignment: [TopicPartitionOffset] = []
        for topic in namings.keys {
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
        guard let naming = namings[topic] else { return }
        let bytes = Data(value)
        let parsed = try? decoder.decode(JSONValue.self, from: bytes)
        var identity = Hasher()
        identity.combine(topic)
        var named = parsed != nil && !naming.fields.isEmpty
        for field in naming.fields {
            guard let part = parsed?.field(field) else { named = false; break }
            identity.combine(part)
        }
        lock.withLock {
            topics[topic, default: TopicRepeats()].rows += 1
            guard named, let parsed else { topics[topic]!.unnamed += 1; return }
            let key = identity.finalize()
            let (paths, numbers, exactHash) = RowFingerprint.flatten(parsed)
            var knownShapes = shapes[topic, default: []]
            let shape = knownShapes.firstIndex(of: paths) ?? { knownShapes.append(paths); return knownShapes.count - 1 }()
            shapes[topic] = knownShapes
            var bytesHasher = Hasher()
            bytesHasher.combine(bytes)
            let row = RowFingerprint(bytesHash: bytesHasher.finalize(), exactHash: exactHash, numbers: numbers, shape: shape,
                                     text: naming.keepsText ? String(decoding: bytes, as: UTF8.self) : nil)
            guard let earlier = first[key] else { first[key] = row; return }
            classify(row, against: earlier, paths: paths, topic: topic, text: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Counts one repeat of `topic` (called under the lock).
    private func classify(_ row: RowFingerprint, against earlier: RowFingerprint, paths: [String], topic: String, text: String) {
        var stats = topics[topic]!
        defer { topics[topic] = stats }
        stats.repeats += 1
        if row.bytesHash == earlier.bytesHash { stats.identical += 1; return }
        var differing: [String] = []
        var largest = 0.0
        if row.exactHash != earlier.exactHash || row.shape != earlier.shape {
            differing.append("(non-numeric fields)")
        } else {
            for index in row.numbers.indices {
                let difference = RowFingerprint.relativeDifference(row.numbers[index], earlier.numbers[index])
                largest = max(largest, difference)
                if difference > Self.tolerance {
                    differing.append(String(format: "%@ (%.17g vs %.17g)", paths[index], earlier.numbers[index], row.numbers[index]))
                }
            }
        }
        if differing.isEmpty {
            stats.withinTolerance += 1
            stats.largestToleratedDifference = max(stats.largestToleratedDifference, largest)
            return
        }
        stats.divergent += 1
        stats.largestDivergentDifference = max(stats.largestDivergentDifference, largest)
        for field in differing { stats.divergentFields[String(field.prefix { $0 != " " }), default: 0] += 1 }
        if stats.example == nil { stats.example = (earlier.text, text, differing.joined(separator: "; ")) }
    }

    /// Every topic's figures so far, by topic name.
    var perTopic: [String: TopicRepeats] { lock.withLock { topics } }

    /// Repeats read so far, over every topic.
    var repeats: Int { lock.withLock { topics.values.reduce(0) { $0 + $1.repeats } } }

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
