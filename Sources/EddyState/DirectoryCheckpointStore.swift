#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint that could not be used, and why (reported, never restored).
public struct SkippedCheckpoint: Sendable, Hashable {
    public var path: String
    public var error: CheckpointError
}

/// What `loadNewest` found: the newest valid checkpoint (nil when there is none yet) and the newer
/// files it had to skip because they were damaged.
public struct CheckpointLoad: Sendable {
    public var checkpoint: Checkpoint?
    /// Where `checkpoint` was read from.
    public var path: String?
    public var skipped: [SkippedCheckpoint]
}

/// Checkpoints as files in one directory (`--state-dir`), written atomically, newest N kept per scope.
///
/// ## Atomic write
/// `save` writes a hidden temporary file in the same directory, fsyncs it, renames it to its final
/// name and fsyncs the directory. A crash at any point leaves either no new file or a complete one:
/// a temporary file is never read as a checkpoint, and the previous checkpoint stays loadable.
///
/// ## Sharing the directory between instances (one machine or a shared file system)
/// No locks: each file's name carries its scope, its checkpoint id and the writer's id
/// (`CheckpointFileName`). Two instances therefore never write, rename onto or partly overwrite the
/// same name; rename is atomic, so a reader sees whole files only. An instance that takes over a
/// scope (partitions moved in a rebalance) loads the newest valid file of that scope, whoever wrote
/// it, and continues with id + 1. Pruning (`keep`) removes only a scope's older files; a file deleted
/// while another instance reads it stays readable (POSIX unlink semantics), and one that vanishes
/// between listing and opening is simply passed over. Requirements: `writerID` is unique among live
/// instances (use the stable instance name, e.g. `group.instance.id`), ids keep increasing per scope
/// across owners (continue from the loaded id + 1; a writer that fell behind would see its older-id
/// file pruned at once), and the file system offers atomic rename (local file systems and NFS do;
/// some object-store mounts don't).
///
/// ## Damage and incompatibility
/// Damaged files (bad checksum, truncated, not a checkpoint) are skipped and reported, and the next
/// older valid one is used: every checkpoint is consistent with its own offsets, so an older one only
/// means more replay. A file of an unknown format version or of another topology stops the load with
/// an error instead, since falling back past it silently could restore the wrong state.
public final class DirectoryCheckpointStore: Sendable {
    public let directory: String
    /// How many checkpoints per scope are kept after each save (at least 1).
    public let keep: Int
    /// This instance's name in file names.
    public let writerID: String

    /// Opens (creating if needed) `directory`, and removes temporary files this writer left behind in
    /// an earlier life (a crash mid-write). Other writers' temporary files are left alone.
    public init(directory: String, keep: Int = 3, writerID: String = "eddy") throws(CheckpointError) {
        guard keep >= 1 else {
            throw CheckpointError(kind: .invalidArgument, message: "the number of checkpoints to keep must be at least 1, got \(keep)")
        }
        try Checkpoint.validateName(writerID, what: "checkpoint writer id")
        guard !writerID.contains("~") else {
            throw CheckpointError(kind: .invalidArgument, message: "checkpoint writer id '\(writerID)' must not contain '~'")
        }
        try FileIO.makeDirectories(directory)
        self.directory = directory
        self.keep = keep
        self.writerID = writerID
        for name in try FileIO.listDirectory(directory) where CheckpointFileName.temporaryWriter(of: name) == writerID {
            try FileIO.remove(path(name))
        }
    }

    /// Writes `checkpoint` atomically, then prunes its scope to the newest `keep`. Returns the path.
    @discardableResult
    public func save(_ checkpoint: Checkpoint) throws(CheckpointError) -> String {
        let bytes = try CheckpointFormat.encode(checkpoint)
        let name = CheckpointFileName(scope: checkpoint.scope, id: checkpoint.id, writerID: writerID)
        let temporary = path(name.temporaryName(processID: getpid(), nonce: UInt64.random(in: 0...UInt64.max)))
        let final = path(name.fileName)
        do throws(CheckpointError) {
            try FileIO.writeNewFileDurably(temporary, bytes)
            try FileIO.rename(temporary, to: final)
        } catch {
            try? FileIO.remove(temporary)
            throw error
        }
        try FileIO.syncDirectory(directory)
        try prune(scope: checkpoint.scope)
        return final
    }

    /// The checkpoint files of `scope`, newest first (by name only; contents are not checked).
    public func list(scope: String) throws(CheckpointError) -> [CheckpointFileName] {
        try FileIO.listDirectory(directory).compactMap(CheckpointFileName.init(parsing:))
            .filter { $0.scope == scope }
            .sorted(by: >)
    }

    /// Every scope that has at least one checkpoint file, sorted.
    public func scopes() throws(CheckpointError) -> [String] {
        Set(try FileIO.listDirectory(directory).compactMap(CheckpointFileName.init(parsing:)).map(\.scope)).sorted()
    }

    /// The newest valid checkpoint of `scope` for the topology `fingerprint`, skipping (and reporting)
    /// damaged files. Throws on a file of another format version or topology (see the type's notes).
    public func loadNewest(scope: String, fingerprint: String) throws(CheckpointError) -> CheckpointLoad {
        var skipped: [SkippedCheckpoint] = []
        for name in try list(scope: scope) {
            let filePath = path(name.fileName)
            guard let bytes = try FileIO.readFile(filePath) else { continue }
            do throws(CheckpointError) {
                let checkpoint = try CheckpointFormat.decode(bytes, source: filePath, expecting: fingerprint)
                guard checkpoint.scope == scope, checkpoint.id == name.id else {
                    throw CheckpointError(kind: .corrupt, message: """
                        \(filePath): holds scope \(checkpoint.scope) checkpoint \(checkpoint.id), which does not match its file name
                        """)
                }
                return CheckpointLoad(checkpoint: checkpoint, path: filePath, skipped: skipped)
            } catch {
                if error.kind == .unsupportedVersion || error.kind == .fingerprintMismatch { throw error }
                skipped.append(SkippedCheckpoint(path: filePath, error: error))
            }
        }
        return CheckpointLoad(checkpoint: nil, path: nil, skipped: skipped)
    }

    /// Removes `scope`'s files beyond the newest `keep`.
    private func prune(scope: String) throws(CheckpointError) {
        let names = try list(scope: scope)
        guard names.count > keep else { return }
        for name in names.dropFirst(keep) { try FileIO.remove(path(name.fileName)) }
        try FileIO.syncDirectory(directory)
    }

    private func path(_ name: String) -> String { directory.hasSuffix("/") ? directory + name : directory + "/" + name }
}
