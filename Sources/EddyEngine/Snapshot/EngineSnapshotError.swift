/// Why `Engine.restore(from:)` refused a snapshot. Each case says what is wrong and how to recover;
/// a refused snapshot leaves the engine untouched (restore decodes everything before applying it).
public enum EngineSnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the engine snapshot magic.
    case notASnapshot
    /// Written by a format version this build does not read.
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// Written by an engine running a different topology (or a changed one).
    case fingerprintMismatch(snapshot: String, engine: String)
    /// Shorter than its header says: a partial write.
    case truncated(String)
    /// The checksum or the structure does not match: damaged bytes.
    case corrupt(String)
    /// `restore` was called on an engine that has already processed input.
    case engineNotFresh

    public var description: String {
        switch self {
        case .notASnapshot:
            "not an engine snapshot (bad magic): the state directory holds something else; delete it to start cold"
        case .unsupportedVersion(let found, let supported):
            "engine snapshot format version \(found) is not supported (this build reads version \(supported)):"
                + " run the Eddy version that wrote it, or delete the state directory to start cold"
        case .fingerprintMismatch(let snapshot, let engine):
            "snapshot was taken with a different topology (fingerprint \(snapshot), this one \(engine)):"
                + " delete the state directory or restore the old topology"
        case .truncated(let reason):
            "engine snapshot is truncated (\(reason)): it was cut short while written; use an older checkpoint or delete the state directory"
        case .corrupt(let reason):
            "engine snapshot is corrupt (\(reason)): use an older checkpoint or delete the state directory"
        case .engineNotFresh:
            "restore needs a fresh engine that has processed no input: create a new Engine from the topology and restore into it"
        }
    }
}
