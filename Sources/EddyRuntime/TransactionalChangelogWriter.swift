import EddyKafka
import EddyState
import Synchronization

/// Exactly-once with `--changelog-topic`: puts each checkpoint's snapshots into the transaction that
/// carries the outputs and the input offsets, so state, outputs and offsets commit (or abort) together.
///
/// Per transaction, for each captured task: its chunks (header `eddy-txn` = this transaction's
/// token), tombstones for the scope's committed snapshots *older than the newest committed one*,
/// then its commit marker (`ChangelogTransactionKeys`). Tombstones never name the newest committed
/// snapshot: if this transaction aborts (and the embedded cluster shows its records anyway), the
/// snapshot a restore falls back to is still live. After an abort, `abortNotices` are written in a
/// transaction of their own so a reader that sees aborted records voids the snapshot.
///
/// Used by the pipeline thread and the combiner's thread (each with its own transactional producer
/// and its own scopes); the bookkeeping they share (token sequence, committed snapshots per scope)
/// is behind a lock, since a restore (`ChangelogCheckpointBackend.loadNewest`) adopts from either.
final class TransactionalChangelogWriter: Sendable {
    /// One snapshot enqueued in the open transaction.
    struct Pending {
        var checkpoint: Checkpoint
        var chunkCount: Int
        var token: [UInt8]
        var snapshotSeconds: Double
    }

    let topic: String
    let chunker: ChangelogChunker
    private let nonce = UInt64.random(in: 1...UInt64.max)
    private let sequence = Atomic<UInt64>(0)
    /// Per scope, the committed snapshots still live on the topic, oldest first.
    private let committed = Mutex<[String: [(id: UInt64, chunks: Int)]]>([:])

    init(topic: String, chunker: ChangelogChunker) {
        self.topic = topic
        self.chunker = chunker
    }

    /// Records that `scope`'s snapshot `checkpointID` (restored) is committed, so later writes retire it.
    func adopt(scope: String, checkpointID: UInt64, chunkCount: Int) {
        committed.withLock { committed in
            var list = committed[scope, default: []]
            guard !list.contains(where: { $0.id == checkpointID }) else { return }
            list.append((checkpointID, chunkCount))
            list.sort { $0.id < $1.id }
            committed[scope] = list
        }
    }

    /// Enqueues `captures` into the producer's open transaction; returns what commit or abort must settle.
    func enqueue(_ captures: [TaskCheckpointStore.Capture], producer: KafkaProducer) throws -> [Pending] {
        guard !captures.isEmpty else { return [] }
        let number = sequence.add(1, ordering: .relaxed).newValue
        let token = Array("\(String(nonce, radix: 16))-\(number)".utf8)
        let header = [KafkaHeader(key: ChangelogTransactionKeys.tokenHeader, value: token)]
        var pending: [Pending] = []
        for capture in captures {
            let clock = ContinuousClock()
            let started = clock.now
            let checkpoint = capture.checkpoint
            let chunks = try chunker.messages(for: checkpoint)
            for chunk in chunks { try send(chunk.key, chunk.value, headers: header, producer: producer) }
            let live = committed.withLock { $0[checkpoint.scope] ?? [] }
            let superseded = live.dropLast().filter { $0.id != checkpoint.id }
            for old in superseded {
                for tombstone in ChangelogChunker.tombstones(scope: checkpoint.scope, checkpointID: old.id, chunkCount: old.chunks) {
                    try send(tombstone.key, nil, headers: [], producer: producer)
                }
                for kind in [ChangelogTransactionKeys.Kind.commit, .abort] {
                    try send(ChangelogTransactionKeys.marker(kind, scope: checkpoint.scope, checkpointID: old.id), nil, headers: [], producer: producer)
                }
            }
            try send(ChangelogTransactionKeys.marker(.commit, scope: checkpoint.scope, checkpointID: checkpoint.id), token, headers: [], producer: producer)
            let seconds = TaskCheckpointStore.seconds(clock.now - started)
            pending.append(Pending(checkpoint: checkpoint, chunkCount: chunks.count, token: token, snapshotSeconds: capture.snapshotSeconds + seconds))
        }
        return pending
    }

    /// After the transaction committed: its snapshots are the newest committed ones, and the
    /// snapshots its tombstones retired are gone.
    func didCommit(_ pending: [Pending]) {
        committed.withLock { committed in
            for entry in pending {
                let scope = entry.checkpoint.scope
                var kept = (committed[scope] ?? []).suffix(1).filter { $0.id != entry.checkpoint.id }
                kept.append((entry.checkpoint.id, entry.chunkCount))
                committed[scope] = Array(kept)
            }
        }
    }

    /// Writes, in a transaction of its own, the abort notices for an aborted transaction's snapshots.
    func writeAbortNotices(_ pending: [Pending], transactions: KafkaTransactionalProducer) throws {
        guard !pending.isEmpty else { return }
        try transactions.beginTransaction()
        do {
            for entry in pending {
                try send(ChangelogTransactionKeys.marker(.abort, scope: entry.checkpoint.scope, checkpointID: entry.checkpoint.id),
                         entry.token, headers: [], producer: transactions.producer)
            }
            try transactions.commitTransaction()
        } catch {
            try? transactions.abortTransaction()
            throw error
        }
    }

    private func send(_ key: [UInt8], _ value: [UInt8]?, headers: [KafkaHeader], producer: KafkaProducer) throws {
        try key.withUnsafeBytes { key in
            if let value {
                try value.withUnsafeBytes { value in
                    _ = try producer.enqueue(topic: topic, partition: 0, key: key, value: value, headers: headers, blockWhenFull: true)
                }
            } else {
                // A null value: a tombstone, which compaction deletes with its key.
                _ = try producer.enqueue(topic: topic, partition: 0, key: key, value: UnsafeRawBufferPointer(start: nil, count: 0),
                                         headers: headers, blockWhenFull: true)
            }
        }
    }
}
