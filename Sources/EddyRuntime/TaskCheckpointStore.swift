import EddyEngine
import EddyMetrics
import EddyState

/// The pipeline's view of `--state-dir` or `--changelog-topic` (its `backend`): captures a task's engine state with its input offsets as
/// an EddyState `Checkpoint`, writes it durably, and loads the newest one of a task's scope, timing
/// both for the metrics. Captures run on the pipeline thread; saves on the `CheckpointWriter`'s queue.
final class TaskCheckpointStore: Sendable {
    /// The engine's state is stored under this operator name; later additions (e.g. an upstream
    /// deduplicator's positions) get names of their own.
    static let engineState = "engine"

    /// The name of a task's `UpstreamDeduplicator` state for a source read from its repartition topic.
    static func deduplicatorState(stream: String) -> String { "dedup.\(stream)" }

    let backend: any CheckpointBackend
    let fingerprint: String
    let scopePrefix: String
    let metrics: PipelineMetrics

    convenience init(directory: String, keep: Int, writerID: String, topologyName: String, fingerprint: String, metrics: PipelineMetrics) throws(CheckpointError) {
        let store = try DirectoryCheckpointStore(directory: directory, keep: keep, writerID: Self.safeName(writerID))
        self.init(backend: DirectoryCheckpointBackend(store: store), topologyName: topologyName, fingerprint: fingerprint, metrics: metrics)
    }

    init(backend: any CheckpointBackend, topologyName: String, fingerprint: String, metrics: PipelineMetrics) {
        self.backend = backend
        self.fingerprint = fingerprint
        self.scopePrefix = PipelineTask.scopePrefix(topology: topologyName)
        self.metrics = metrics
    }

    /// A name usable in checkpoint file names: letters, digits, `.`, `_`, `-` (others become `_`).
    static func safeName(_ name: String) -> String {
        let mapped = String(name.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || scalar == "-" || scalar == "."
            return allowed ? Character(scalar) : "_"
        }.prefix(120))
        return mapped.isEmpty || mapped.hasPrefix(".") ? "w" + mapped : mapped
    }

    /// Fails with the store's one-line error when a checkpoint of this topology's tasks cannot be
    /// used (another format version, or another topology: its fingerprint differs), so start-up
    /// stops before joining the group instead of silently starting cold.
    func validate() throws(CheckpointError) {
        for scope in try backend.scopes() where isTaskScope(scope) {
            _ = try backend.loadNewest(scope: scope, fingerprint: fingerprint)
        }
    }

    /// Whether `scope` is one of this topology's task scopes (`<topology>.single`,
    /// `<topology>.task-<p>`), not another topology's that merely shares the prefix.
    func isTaskScope(_ scope: String) -> Bool {
        guard scope.hasPrefix(scopePrefix) else { return false }
        let task = scope.dropFirst(scopePrefix.count)
        if task == "single" { return true }
        guard task.hasPrefix("task-") else { return false }
        let digits = task.dropFirst("task-".count)
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }

    /// A captured, not yet written checkpoint of one task.
    struct Capture: Sendable {
        var checkpoint: Checkpoint
        /// Time the snapshot took on the pipeline thread (added to the write time in the metric).
        var snapshotSeconds: Double
    }

    /// Snapshots `task` (its outputs must already be drained) with the offsets it has processed.
    func capture(_ task: PipelineTask, offsets: [InputOffset], deduplicatedStreams: [String]) -> Capture {
        let clock = ContinuousClock()
        let started = clock.now
        let bytes = task.engine.snapshot()
        let checkpoint = Checkpoint(
            scope: task.scope, topologyFingerprint: fingerprint, id: task.nextCheckpointID,
            createdAtMillis: Checkpoint.wallClockMillis(), inputOffsets: offsets,
            operatorStates: [OperatorState(name: Self.engineState, bytes: bytes)]
                + zip(deduplicatedStreams, task.deduplicators).map { OperatorState(name: Self.deduplicatorState(stream: $0), bytes: $1.snapshot()) })
        task.nextCheckpointID += 1
        return Capture(checkpoint: checkpoint, snapshotSeconds: Self.seconds(clock.now - started))
    }

    /// Writes a capture durably; returns the total seconds (snapshot plus write).
    func save(_ capture: Capture) throws(CheckpointError) -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        try backend.save(capture.checkpoint)
        return recordCommitted(snapshotSeconds: capture.snapshotSeconds + Self.seconds(clock.now - started))
    }

    /// Reports a checkpoint made durable (saved, or committed in a transaction) that took `snapshotSeconds`
    /// in all to the metrics; returns that time.
    @discardableResult
    func recordCommitted(snapshotSeconds total: Double) -> Double {
        metrics.checkpointDuration.observe(total)
        metrics.lastCheckpoint.set(Double(Checkpoint.wallClockMillis()) / 1000)
        return total
    }

    /// The newest usable checkpoint of `scope` (damaged newer files are skipped and reported through
    /// `log`), or nil. Throws on another format version or topology.
    func loadNewest(scope: String, log: (String) -> Void) throws(CheckpointError) -> Checkpoint? {
        let load = try backend.loadNewest(scope: scope, fingerprint: fingerprint)
        for skipped in load.skipped { log("warning: skipped damaged checkpoint \(skipped)") }
        return load.checkpoint
    }

    /// The id of `scope`'s newest checkpoint (a directory reads only file names), if any.
    func newestID(scope: String) -> UInt64? {
        backend.newestID(scope: scope, fingerprint: fingerprint)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }
}
