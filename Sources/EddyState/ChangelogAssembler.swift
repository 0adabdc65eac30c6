/// The result of reading a scope back from a changelog.
public struct ChangelogRestore: Sendable {
    /// The newest usable checkpoint, or nil when the changelog has none for the scope.
    public var checkpoint: Checkpoint?
    /// Its number of chunks (pass to `ChangelogCheckpointWriter.adopt` so the next write retires it).
    public var chunkCount: Int
    /// Why newer snapshots were passed over.
    public var skipped: [CheckpointError]
}

/// Rebuilds checkpoints from changelog messages read in log order (the whole topic, or what
/// compaction left of it), tolerating chunks out of order, repeated, or from unfinished snapshots.
///
/// Rules: a later message with the same key replaces an earlier one (as compaction would); a
/// tombstone retires its whole snapshot (the writer only tombstones snapshots it has superseded),
/// until a chunk of that id arrives again; a chunk whose snapshot length, checksum or count differs
/// from the earlier chunks of its id replaces them all (the id was reused after a torn write);
/// damaged chunks are reported and ignored. The result per scope is the newest snapshot that is
/// complete and verifies (whole-snapshot length and CRC32C, then the checkpoint's own checksums).
public struct ChangelogAssembler: Sendable {
    private struct SnapshotKey: Hashable { let scope: String, id: UInt64 }
    private var chunks: [SnapshotKey: [Int: ChangelogChunk]] = [:]
    private var retired: Set<SnapshotKey> = []
    /// Messages that could not be used, with the reason.
    public private(set) var problems: [CheckpointError] = []

    public init() {}

    /// Adds one message, in log order.
    public mutating func add(_ message: ChangelogMessage) {
        let keyText = String(decoding: message.key, as: UTF8.self)
        guard let parsed = ChangelogChunk.parseKey(message.key) else {
            problems.append(CheckpointError(kind: .corrupt, message: "changelog key '\(keyText)' is not a snapshot chunk key; ignored"))
            return
        }
        let snapshot = SnapshotKey(scope: parsed.scope, id: parsed.checkpointID)
        guard let value = message.value else {
            retired.insert(snapshot)
            chunks[snapshot] = nil
            return
        }
        do throws(CheckpointError) {
            let chunk = try ChangelogChunk.decode(value, source: keyText)
            guard chunk.scope == parsed.scope, chunk.checkpointID == parsed.checkpointID, chunk.index == parsed.index else {
                throw CheckpointError(kind: .corrupt, message: "changelog chunk \(keyText): its header does not match its key")
            }
            // A chunk that disagrees with the snapshot's earlier chunks starts a rewrite of that id
            // (a restarted writer reusing the id of a torn snapshot): the torn chunks are dropped.
            if let existing = chunks[snapshot]?.values.first,
               existing.count != chunk.count || existing.snapshotLength != chunk.snapshotLength || existing.snapshotCRC != chunk.snapshotCRC {
                chunks[snapshot] = nil
            }
            retired.remove(snapshot)
            chunks[snapshot, default: [:]][chunk.index] = chunk
        } catch {
            problems.append(error)
        }
    }

    public mutating func add(contentsOf messages: some Sequence<ChangelogMessage>) {
        for message in messages { add(message) }
    }

    /// Scopes with at least one live chunk.
    public var scopes: [String] { Set(chunks.keys.filter { !retired.contains($0) }.map(\.scope)).sorted() }

    /// The newest complete, verified checkpoint of `scope` for topology `fingerprint`, plus the reasons
    /// newer snapshots were passed over (incomplete: a writer stopped mid-snapshot; or damaged).
    /// Throws, like the directory store, when the newest usable snapshot is of another format version
    /// or topology.
    public func newest(scope: String, fingerprint: String) throws(CheckpointError) -> ChangelogRestore {
        var skipped: [CheckpointError] = []
        let candidates = chunks.keys.filter { $0.scope == scope && !retired.contains($0) }.sorted { $0.id > $1.id }
        for key in candidates {
            do throws(CheckpointError) {
                let snapshot = try assemble(chunks[key]!, key: key)
                let checkpoint = try CheckpointFormat.decode(snapshot, source: "changelog snapshot \(scope)#\(key.id)", expecting: fingerprint)
                return ChangelogRestore(checkpoint: checkpoint, chunkCount: chunks[key]!.count, skipped: skipped)
            } catch {
                if error.kind == .unsupportedVersion || error.kind == .fingerprintMismatch { throw error }
                skipped.append(error)
            }
        }
        return ChangelogRestore(checkpoint: nil, chunkCount: 0, skipped: skipped)
    }

    private func assemble(_ parts: [Int: ChangelogChunk], key: SnapshotKey) throws(CheckpointError) -> [UInt8] {
        let name = "changelog snapshot \(key.scope)#\(key.id)"
        let first = parts.values.first!
        guard parts.values.allSatisfy({ $0.count == first.count && $0.snapshotLength == first.snapshotLength && $0.snapshotCRC == first.snapshotCRC })
        else { throw CheckpointError(kind: .corrupt, message: "\(name): its chunks disagree on the snapshot's size or checksum") }
        guard parts.count == first.count else {
            throw CheckpointError(kind: .incomplete, message: "\(name): \(parts.count) of \(first.count) chunks present (the writer stopped mid-snapshot?)")
        }
        var snapshot: [UInt8] = []
        snapshot.reserveCapacity(Int(clamping: first.snapshotLength))
        for index in 0..<first.count { snapshot.append(contentsOf: parts[index]!.payload) }
        guard UInt64(snapshot.count) == first.snapshotLength, CRC32C.checksum(snapshot) == first.snapshotCRC else {
            throw CheckpointError(kind: .corrupt, message: "\(name): reassembled bytes fail the snapshot's length or checksum")
        }
        return snapshot
    }
}
