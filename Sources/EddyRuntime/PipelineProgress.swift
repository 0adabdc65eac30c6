/// What a running pipeline has done so far, refreshed at every commit interval and at shutdown.
public struct PipelineProgress: Sendable, Hashable {
    /// Kafka messages handed to the engine (including those that became error or late rows).
    public var recordsIn = 0
    /// Rows rejected into error_stream, and rows that arrived too late (late_stream).
    public var errors = 0
    public var lateRows = 0
    /// Records read from a repartition topic and skipped as duplicates a restarted
    /// `RepartitionStage` wrote again (not in `recordsIn`).
    public var duplicatesSkipped = 0
    /// Output messages enqueued to the producer, and acknowledged by the brokers.
    public var rowsProduced: UInt64 = 0
    public var rowsDelivered: UInt64 = 0
    /// Input offsets stored for commit (each after its outputs were delivered), per source topic partition.
    public var storedOffsets: [String: Int64] = [:]
    /// Partitions currently assigned to this instance.
    public var assignedPartitions = 0
    /// Whether the consumer is paused for back pressure.
    public var paused = false
    /// How many times the consumer paused for back pressure.
    public var pauses = 0

    // Checkpoints (with a state directory)

    /// Tasks (engines) currently owning partitions.
    public var activeTasks = 0
    /// Checkpoints written durably by this instance, and when the last one was (Unix ms).
    public var checkpointsWritten = 0
    public var lastCheckpointMillis: Int64?
    /// Size of the last checkpoint's state and the time to snapshot and write it.
    public var lastCheckpointBytes = 0
    public var lastCheckpointSeconds = 0.0
    /// Tasks restored from a checkpoint, and the time the last restore took.
    public var restoredTasks = 0
    public var lastRestoreSeconds = 0.0
    /// Every partition's next offset to read as of the last checkpoint written, per scope (the
    /// offsets a restart resumes from).
    public var checkpointOffsets: [String: Int64] = [:]
    /// Transactions committed (exactly-once mode): one per checkpoint.
    public var transactionsCommitted = 0

    public init() {}
}
