import EddyState

/// Where a `TaskCheckpointStore` keeps its checkpoints: the state directory (`--state-dir`) or a
/// changelog topic (`--changelog-topic`). Saves run on the `CheckpointWriter`'s queue, loads on the
/// pipeline thread, so implementations are thread-safe.
protocol CheckpointBackend: Sendable {
    /// Writes `checkpoint` durably (or throws: the previous checkpoint of its scope stays usable).
    func save(_ checkpoint: Checkpoint) throws(CheckpointError)
    /// The newest usable checkpoint of `scope`, plus why newer ones were passed over. Throws on
    /// another format version or topology.
    func loadNewest(scope: String, fingerprint: String) throws(CheckpointError) -> (checkpoint: Checkpoint?, skipped: [String])
    /// The id of `scope`'s newest checkpoint, if any, as cheaply as the backend allows.
    func newestID(scope: String, fingerprint: String) -> UInt64?
    /// Every scope with a checkpoint.
    func scopes() throws(CheckpointError) -> [String]
    /// Makes the backend usable before the first read, or fails start-up saying why (the changelog
    /// topic is created or its configs checked here; a directory needs nothing).
    func prepare(log: @escaping @Sendable (String) -> Void) async throws
}

extension CheckpointBackend {
    func prepare(log: @escaping @Sendable (String) -> Void) async throws {}
}

/// The state directory: one file per checkpoint, written atomically, the newest N kept.
struct DirectoryCheckpointBackend: CheckpointBackend {
    let store: DirectoryCheckpointStore

    func save(_ checkpoint: Checkpoint) throws(CheckpointError) { _ = try store.save(checkpoint) }

    func loadNewest(scope: String, fingerprint: String) throws(CheckpointError) -> (checkpoint: Checkpoint?, skipped: [String]) {
        let load = try store.loadNewest(scope: scope, fingerprint: fingerprint)
        return (load.checkpoint, load.skipped.map { "\($0.path): \($0.error)" })
    }

    func newestID(scope: String, fingerprint: String) -> UInt64? { (try? store.list(scope: scope))?.first?.id }

    func scopes() throws(CheckpointError) -> [String] { try store.scopes() }
}
