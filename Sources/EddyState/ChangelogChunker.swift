/// Splits a checkpoint into changelog messages that each fit under the broker's `message.max.bytes`.
///
/// Why: a 100-tree random cut forest alone serializes to megabytes, while Kafka's default message
/// limit is about 1 MB. Each chunk carries enough (checkpoint id, index, count, whole-snapshot length
/// and checksum) for `ChangelogAssembler` to reassemble and verify the snapshot from chunks that
/// arrive in any order, repeated, or interleaved with other snapshots.
public struct ChangelogChunker: Sendable {
    /// The broker's (and topic's) `message.max.bytes`.
    public let maxMessageBytes: Int
    /// Bytes left for Kafka's own framing per message (record batch header, record overhead).
    public static let kafkaOverheadBytes = 512

    public init(maxMessageBytes: Int = 1_000_000) throws(CheckpointError) {
        guard maxMessageBytes >= 1024 else {
            throw CheckpointError(kind: .invalidArgument, message: "changelog message size limit must be at least 1024 bytes, got \(maxMessageBytes)")
        }
        self.maxMessageBytes = maxMessageBytes
    }

    /// The messages for `checkpoint`, in index order.
    public func messages(for checkpoint: Checkpoint) throws(CheckpointError) -> [ChangelogMessage] {
        let snapshot = try CheckpointFormat.encode(checkpoint)
        let scope = checkpoint.scope
        let keyLength = ChangelogChunk.key(scope: scope, checkpointID: checkpoint.id, index: 0).count
        let capacity = maxMessageBytes - Self.kafkaOverheadBytes - keyLength - ChangelogChunk.headerLength(scope: scope)
        guard capacity > 0 else {
            throw CheckpointError(kind: .invalidArgument, message: "scope '\(scope)' leaves no room for data in \(maxMessageBytes)-byte messages")
        }
        let count = max(1, (snapshot.count + capacity - 1) / capacity)
        let snapshotCRC = CRC32C.checksum(snapshot)
        return (0..<count).map { index in
            let range = index * capacity..<min(snapshot.count, (index + 1) * capacity)
            let chunk = ChangelogChunk(
                scope: scope, checkpointID: checkpoint.id, index: index, count: count,
                snapshotLength: UInt64(snapshot.count), snapshotCRC: snapshotCRC, payload: snapshot[range]
            )
            return ChangelogMessage(key: ChangelogChunk.key(scope: scope, checkpointID: checkpoint.id, index: index), value: chunk.encode())
        }
    }

    /// Tombstones for every chunk of an earlier snapshot, so a compacted topic can drop it.
    public static func tombstones(scope: String, checkpointID: UInt64, chunkCount: Int) -> [ChangelogMessage] {
        (0..<chunkCount).map { ChangelogMessage(key: ChangelogChunk.key(scope: scope, checkpointID: checkpointID, index: $0), value: nil) }
    }
}
