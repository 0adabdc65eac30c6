import EddyEngine
import EddyKafka
import EddyMetrics

/// One task: an `Engine` and the input partitions it owns (all of them with `.single`, partition
/// *p* of every source topic with `.perPartition`). Confined to the pipeline thread.
final class PipelineTask {
    /// Which partitions the task owns: `nil` for the single task, else the partition number.
    let partition: Int32?
    let engine: Engine
    /// Its checkpoints' scope in the state directory: `<topology>.single` or `<topology>.task-<p>`.
    let scope: String
    /// Partitions currently assigned to it (empty while dormant: revoked but kept in memory).
    var partitions = Set<TopicPartition>()
    /// The id its next checkpoint gets: one more than the newest it restored or wrote.
    var nextCheckpointID: UInt64 = 1
    /// The id of the newest checkpoint it wrote or restored, if any. A dormant task whose scope has
    /// a newer checkpoint on disk was advanced by another instance and is reloaded from there.
    var lastCheckpointID: UInt64?
    /// Engine counts already added to the instance's totals (a restored engine's counts include
    /// records another run processed; only what this instance processes is counted).
    var counted: Engine.Statistics
    /// `eddy_state_bytes{task=...}`.
    let stateBytes: Gauge?
    /// Per pump, the engine's evicted-key count already added to `eddy_state_evicted_keys_total`.
    var countedEvictions: [String: Int] = [:]
    /// The task's `changeMarker` when its state was last checkpointed or restored: equal markers
    /// mean nothing changed, so no new checkpoint is needed.
    var checkpointedMarker: ChangeMarker?
    /// One per repartition topic the task reads (`PipelineWorker.deduplicatedStreams` names them):
    /// skips the duplicates a restarted `RepartitionStage` writes. Checkpointed with the engine.
    var deduplicators: [UpstreamDeduplicator]
    /// Publishes the combined pumps' partial windows and progress (per-partition tasks of a topology
    /// with combined global aggregates; see `CombinePlan`), nil otherwise.
    var publisher: TaskPartialPublisher?

    /// What moves when the state changes: records processed and the watermark (windows fire only
    /// when it moves, and idle partitions move it without records).
    struct ChangeMarker: Equatable {
        var records: Int
        var watermark: Int64
    }

    var changeMarker: ChangeMarker { ChangeMarker(records: engine.statistics.recordsIn, watermark: engine.watermark) }

    init(partition: Int32?, engine: Engine, scope: String, stateBytes: Gauge?, deduplicators: Int = 0) {
        self.partition = partition
        self.deduplicators = Array(repeating: UpstreamDeduplicator(), count: deduplicators)
        self.engine = engine
        self.scope = scope
        self.stateBytes = stateBytes
        counted = engine.statistics
        checkpointedMarker = changeMarker
    }

    /// The task's label in metrics and logs: `single` or the partition number.
    var label: String { partition.map(String.init) ?? "single" }

    /// Checkpoint scope of a task of `topology` (file-name safe: other characters become `_`).
    static func scope(topology: String, partition: Int32?) -> String {
        TaskCheckpointStore.safeName(topology) + "." + (partition.map { "task-\($0)" } ?? "single")
    }

    /// Scope prefix shared by every task of `topology` (for start-up validation of the directory).
    static func scopePrefix(topology: String) -> String {
        String(scope(topology: topology, partition: nil).dropLast("single".count))
    }
}
