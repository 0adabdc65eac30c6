import EddyKafka
import EddyState
import Synchronization

/// `--changelog-topic`: checkpoints as chunked snapshots in a Kafka topic, for clusters where
/// instances share no filesystem.
///
/// Without `--exactly-once`, writes go through a producer of their own (so waiting for a snapshot's
/// delivery never waits for outputs) to partition 0 of the topic, as `ChangelogCheckpointWriter`
/// lays them out: every chunk under `message.max.bytes`, keyed `<scope>~<id>~<index>`, then
/// tombstones for the scope's previous snapshot, so a compacted topic keeps about one snapshot per
/// task. A write returns only when
/// every chunk is acknowledged; the `CheckpointWriter` calls it only after the outputs the snapshot
/// covers are delivered (the same rule as the directory).
///
/// Reads keep one consumer assigned to partition 0 (no group, `read_committed`) and an assembler of
/// everything read so far: each load reads on from where the previous one stopped to the current
/// end of the log, and the assembler picks the newest complete, verified snapshot of the scope (a
/// torn one, e.g. missing its last chunk, is passed over for the previous complete one).
///
/// With `--exactly-once` (`transactional`), snapshots are not written here but by the pipeline,
/// inside its checkpoint transactions (`TransactionalChangelogWriter`); reads pass every message
/// through a `ChangelogTransactionFilter` first, so only snapshots whose transaction committed count.
final class ChangelogCheckpointBackend: CheckpointBackend {
    private struct State {
        var assembler = ChangelogAssembler()
        var filter = ChangelogTransactionFilter()
        /// The next offset of partition 0 to read.
        var position: Int64 = 0
        var assigned = false
    }

    let topic: String
    let maxMessageBytes: Int
    let kafka: KafkaConfiguration
    private let consumer: KafkaConsumer
    /// The non-transactional writer (nil in exactly-once mode).
    private let writer: Mutex<ChangelogCheckpointWriter<KafkaChangelogTopic>?>
    /// The exactly-once writer, used by the pipeline thread inside its transactions.
    let transactionalWriter: TransactionalChangelogWriter?
    private let state = Mutex(State())
    private let readTimeout: Duration

    init(topic: String, kafka: KafkaConfiguration, maxMessageBytes: Int, transactional: Bool = false, readTimeout: Duration = .seconds(30)) throws {
        self.topic = topic
        self.kafka = kafka
        self.maxMessageBytes = maxMessageBytes
        self.readTimeout = readTimeout
        let chunker = try ChangelogChunker(maxMessageBytes: maxMessageBytes)
        if transactional {
            writer = Mutex(nil)
            transactionalWriter = TransactionalChangelogWriter(topic: topic, chunker: chunker)
        } else {
            var producerConfiguration = kafka
            producerConfiguration.set("message.max.bytes", String(maxMessageBytes))
            let producer = try KafkaProducer(configuration: producerConfiguration)
            writer = Mutex(ChangelogCheckpointWriter(topic: KafkaChangelogTopic(producer: producer, topic: topic), chunker: chunker))
            transactionalWriter = nil
        }
        var consumerConfiguration = kafka
        consumerConfiguration.set("enable.auto.commit", "false")
        consumerConfiguration.set("isolation.level", "read_committed")
        consumerConfiguration.set("fetch.message.max.bytes", String(max(maxMessageBytes, 1_048_576)))
        consumer = try KafkaConsumer(configuration: consumerConfiguration, groupID: "eddy-changelog-reader", startPosition: .earliest)
    }

    func save(_ checkpoint: Checkpoint) throws(CheckpointError) {
        do {
            try writer.withLock { writer in
                guard let writer else {
                    throw CheckpointError(kind: .invalidArgument, message: "changelog topic \(topic): in exactly-once mode snapshots are written inside the checkpoint transaction, not saved separately")
                }
                _ = try writer.write(checkpoint)
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(kind: .io, message: "changelog topic \(topic): cannot write checkpoint \(checkpoint.id) of \(checkpoint.scope): \(error)")
        }
    }

    func loadNewest(scope: String, fingerprint: String) throws(CheckpointError) -> (checkpoint: Checkpoint?, skipped: [String]) {
        let restore = try state.withLock { state throws(CheckpointError) in
            try readToEnd(&state)
            return try state.assembler.newest(scope: scope, fingerprint: fingerprint)
        }
        if let checkpoint = restore.checkpoint {
            // The next snapshot of this scope retires the one restored.
            writer.withLock { $0?.adopt(scope: scope, checkpointID: checkpoint.id, chunkCount: restore.chunkCount) }
            transactionalWriter?.adopt(scope: scope, checkpointID: checkpoint.id, chunkCount: restore.chunkCount)
        }
        return (restore.checkpoint, restore.skipped.map { "changelog topic \(topic): \($0)" })
    }

    func newestID(scope: String, fingerprint: String) -> UInt64? {
        state.withLock { state in
            guard (try? readToEnd(&state)) != nil else { return nil }
            return (try? state.assembler.newest(scope: scope, fingerprint: fingerprint))?.checkpoint?.id
        }
    }

    func scopes() throws(CheckpointError) -> [String] {
        try state.withLock { state throws(CheckpointError) in
            try readToEnd(&state)
            return state.assembler.scopes
        }
    }

    /// Messages of the topic the assembler could not use (damaged chunks, foreign keys).
    var problems: [CheckpointError] { state.withLock { $0.assembler.problems } }

    /// Snapshots voided by an abort notice so far (their transaction aborted).
    var voidedSnapshots: Int { state.withLock { $0.filter.voided } }

    /// Reads partition 0 from `state.position` to the log's current end (the last stable offset: a
    /// read_committed reader's end), passing over what the consumer never hands out (transaction
    /// markers, aborted records on a real cluster) through the consumer's position.
    private func readToEnd(_ state: inout State) throws(CheckpointError) {
        let partition = TopicPartition(topic: topic, partition: 0)
        do {
            let marks = try consumer.watermarks(topic: topic, partition: 0)
            // Retention may have dropped the start (the embedded cluster keeps ~5 MiB per partition).
            if state.position < marks.low { state.position = marks.low }
            guard state.position < marks.high else { return }
            if !state.assigned {
                try consumer.assign([TopicPartitionOffset(partition, offset: state.position)])
                state.assigned = true
            }
            let clock = ContinuousClock()
            let deadline = clock.now + readTimeout
            while state.position < marks.high {
                guard clock.now < deadline else {
                    throw CheckpointError(kind: .io, message: "changelog topic \(topic): read only to offset \(state.position) of \(marks.high) within \(readTimeout)")
                }
                try consumer.poll(timeout: .milliseconds(200)) { batch in
                    for message in batch where message.partition == 0 && message.offset >= state.position {
                        let changelogMessage = ChangelogMessage(
                            key: message.key.map { Array($0) } ?? [],
                            value: message.isNullValue ? nil : Array(message.value))
                        let token = message.header(ChangelogTransactionKeys.tokenHeaderName).map { Array($0) }
                        state.assembler.add(contentsOf: state.filter.admit(changelogMessage, token: token))
                        state.position = message.offset + 1
                    }
                }
                if let next = try consumer.position(partition), next > state.position { state.position = next }
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(kind: .io, message: "changelog topic \(topic): cannot read it: \(error)")
        }
    }
}

/// Partition 0 of a Kafka topic as a `ChangelogTopic`: appends block until every message is
/// acknowledged, and throw if any was not.
struct KafkaChangelogTopic: ChangelogTopic, Sendable {
    let producer: KafkaProducer
    let topic: String

    func append(_ messages: [ChangelogMessage]) throws {
        let start = producer.mark()
        for message in messages {
            try message.key.withUnsafeBytes { key in
                if let value = message.value {
                    try value.withUnsafeBytes { value in
                        _ = try producer.enqueue(topic: topic, partition: 0, key: key, value: value, blockWhenFull: true)
                    }
                } else {
                    // A null value: a tombstone, which compaction deletes with its key.
                    _ = try producer.enqueue(topic: topic, partition: 0, key: key, value: UnsafeRawBufferPointer(start: nil, count: 0), blockWhenFull: true)
                }
            }
        }
        let outcome = producer.waitForDelivery(through: producer.mark(), since: start)
        if let first = outcome.failures.first {
            throw CheckpointError(kind: .io, message: "changelog topic \(topic): \(outcome.failures.count) of \(messages.count) messages not delivered; first: \(first.error.message)")
        }
    }
}
