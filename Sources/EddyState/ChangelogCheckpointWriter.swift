/// Where changelog messages go: a compacted Kafka topic in production (the runtime adapts its
/// producer, transactional or not), an in-memory log in tests. Kept this small so EddyState needs no
/// Kafka dependency.
public protocol ChangelogTopic {
    /// Appends messages in order. Throws if they were not all accepted.
    func append(_ messages: [ChangelogMessage]) throws
}

/// Writes checkpoints to a changelog topic: the new snapshot's chunks first, then tombstones for the
/// previous snapshot of the same scope.
///
/// Crash safety without transactions: the previous snapshot's keys are untouched until the new one is
/// fully written, so a crash mid-snapshot leaves the previous one complete (the assembler passes over
/// the partial one). A crash between chunks and tombstones leaves both, and the newer one wins.
/// With a transactional producer, append chunks and tombstones inside the transaction that carries the
/// outputs and input offsets, and they become visible together.
///
/// Compaction keeps only the latest value per key, and a tombstone eventually removes its key, so the
/// topic holds about one snapshot per scope. (The embedded cluster has no compaction and keeps ~5 MiB
/// per partition: use the directory store there.)
public final class ChangelogCheckpointWriter<Topic: ChangelogTopic> {
    public let topic: Topic
    public let chunker: ChangelogChunker
    private var previous: [String: (id: UInt64, chunks: Int)] = [:]

    public init(topic: Topic, chunker: ChangelogChunker) {
        self.topic = topic
        self.chunker = chunker
    }

    /// Tells the writer which snapshot of `scope` is current (after a restore), so the next write
    /// retires it.
    public func adopt(scope: String, checkpointID: UInt64, chunkCount: Int) {
        previous[scope] = (checkpointID, chunkCount)
    }

    /// Writes `checkpoint`; returns how many chunks it took.
    @discardableResult
    public func write(_ checkpoint: Checkpoint) throws -> Int {
        let messages = try chunker.messages(for: checkpoint)
        try topic.append(messages)
        if let old = previous[checkpoint.scope], old.id != checkpoint.id {
            try topic.append(ChangelogChunker.tombstones(scope: checkpoint.scope, checkpointID: old.id, chunkCount: old.chunks))
        }
        previous[checkpoint.scope] = (checkpoint.id, messages.count)
        return messages.count
    }
}
