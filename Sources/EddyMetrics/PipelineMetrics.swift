/// The metrics every Eddy pipeline exports, with the names `/metrics` promises (issue 5).
///
/// The runtime asks for a handle once per (stream, partition) when it starts reading a partition,
/// keeps it next to the partition's task and updates it per record:
///
/// ```swift
/// let metrics = try PipelineMetrics()
/// let recordsIn = metrics.recordsIn(stream: "REVIEWS", partition: 3)   // once
/// recordsIn.increment()                                                  // per record, lock-free
/// ```
public final class PipelineMetrics: Sendable {
    /// Metric names, in one place so the runtime, dashboard and docs agree.
    public enum Name {
        public static let recordsIn = "eddy_records_in_total"
        public static let recordsOut = "eddy_records_out_total"
        public static let errors = "eddy_errors_total"
        public static let lateRecords = "eddy_late_records_total"
        public static let alerts = "eddy_alerts_total"
        public static let consumerLag = "eddy_consumer_lag"
        public static let watermarkDelay = "eddy_watermark_delay_seconds"
        public static let lastCommit = "eddy_last_commit_timestamp_seconds"
        public static let lastCheckpoint = "eddy_last_checkpoint_timestamp_seconds"
        public static let stateBytes = "eddy_state_bytes"
        public static let stateEvictedKeys = "eddy_state_evicted_keys_total"
        public static let checkpointDuration = "eddy_checkpoint_duration_seconds"
        public static let restoreDuration = "eddy_restore_duration_seconds"
    }

    /// Bucket bounds (seconds) for checkpoint and restore durations: 1 ms to 10 s.
    public static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Where the exposition comes from; other components may declare their own families in it.
    public let registry: MetricsRegistry

    let recordsInFamily: CounterFamily
    let recordsOutFamily: CounterFamily
    let errorsFamily: CounterFamily
    let lateFamily: CounterFamily
    let alertsFamily: CounterFamily
    let lagFamily: GaugeFamily
    let watermarkFamily: GaugeFamily
    let stateBytesFamily: GaugeFamily
    let stateEvictedKeysFamily: CounterFamily

    /// Time to snapshot one task and write its checkpoint durably (not the wait for output delivery).
    public let checkpointDuration: Histogram
    /// Time to read one task's checkpoint and restore its engine from it.
    public let restoreDuration: Histogram

    /// Seconds since the Unix epoch of the last offset commit (0 until the first one).
    public let lastCommit: Gauge
    /// Seconds since the Unix epoch of the last completed checkpoint (0 until the first one).
    public let lastCheckpoint: Gauge

    /// Declares the pipeline families in `registry`. Throws only if `registry` already holds one of
    /// these names with another type or other labels.
    public init(registry: MetricsRegistry = MetricsRegistry()) throws(MetricsError) {
        self.registry = registry
        recordsInFamily = try registry.counter(
            Name.recordsIn, help: "Records read from Kafka per source stream and partition.",
            labelNames: ["stream", "partition"])
        recordsOutFamily = try registry.counter(
            Name.recordsOut, help: "Records written to output topics per output stream.", labelNames: ["stream"])
        errorsFamily = try registry.counter(
            Name.errors, help: "Rows sent to the error stream (malformed input, failed evaluation) per stream.",
            labelNames: ["stream"])
        lateFamily = try registry.counter(
            Name.lateRecords, help: "Rows that arrived after their window closed, per stream.", labelNames: ["stream"])
        alertsFamily = try registry.counter(
            Name.alerts, help: "Alerts emitted per alert stream.", labelNames: ["stream"])
        lagFamily = try registry.gauge(
            Name.consumerLag, help: "Messages between the partition's high watermark and the consumer position.",
            labelNames: ["stream", "partition"])
        watermarkFamily = try registry.gauge(
            Name.watermarkDelay, help: "Wall-clock time minus the stream's event-time watermark, in seconds.",
            labelNames: ["stream"])
        lastCommit = try registry.gauge(
            Name.lastCommit, help: "Unix time in seconds of the last committed input offsets (0 before the first)."
        ).series(for: [])
        lastCheckpoint = try registry.gauge(
            Name.lastCheckpoint, help: "Unix time in seconds of the last completed checkpoint (0 before the first)."
        ).series(for: [])
        stateBytesFamily = try registry.gauge(
            Name.stateBytes, help: "Bytes of operator state held per task (estimate).", labelNames: ["task"])
        stateEvictedKeysFamily = try registry.counter(
            Name.stateEvictedKeys, help: "Keys whose state a keyed pump dropped (window fired, out of range, or idle past state_retention).",
            labelNames: ["pump"])
        checkpointDuration = try registry.histogram(
            Name.checkpointDuration, help: "Seconds to snapshot a task and write its checkpoint durably.",
            buckets: Self.durationBuckets
        ).series(for: [])
        restoreDuration = try registry.histogram(
            Name.restoreDuration, help: "Seconds to load a task's checkpoint and restore its state.",
            buckets: Self.durationBuckets
        ).series(for: [])
    }

    /// `eddy_state_bytes{task}`: `task` is the partition number, or `single`.
    public func stateBytes(task: String) -> Gauge {
        stateBytesFamily.series(for: [task])
    }

    /// `eddy_state_evicted_keys_total{pump}`: keys whose state the pump dropped, over all tasks.
    public func stateEvictedKeys(pump: String) -> Counter {
        stateEvictedKeysFamily.series(for: [pump])
    }

    public func recordsIn(stream: String, partition: Int32) -> Counter {
        recordsInFamily.series(for: [stream, String(partition)])
    }

    public func recordsOut(stream: String) -> Counter {
        recordsOutFamily.series(for: [stream])
    }

    public func errors(stream: String) -> Counter {
        errorsFamily.series(for: [stream])
    }

    public func lateRecords(stream: String) -> Counter {
        lateFamily.series(for: [stream])
    }

    public func alerts(stream: String) -> Counter {
        alertsFamily.series(for: [stream])
    }

    public func consumerLag(stream: String, partition: Int32) -> Gauge {
        lagFamily.series(for: [stream, String(partition)])
    }

    public func watermarkDelay(stream: String) -> Gauge {
        watermarkFamily.series(for: [stream])
    }

    /// Totals and per-partition values for a health view, read without stopping writers.
    public func snapshot() -> PipelineSnapshot {
        func total(_ family: CounterFamily) -> UInt64 {
            family.sortedSeries().reduce(0) { $0 &+ $1.handle.value }
        }
        let lags = lagFamily.sortedSeries().map { entry in
            PipelineSnapshot.PartitionLag(
                stream: entry.values[0], partition: Int32(entry.values[1]) ?? -1, lag: entry.handle.value)
        }
        let delays = watermarkFamily.sortedSeries().map { entry in
            PipelineSnapshot.WatermarkDelay(stream: entry.values[0], seconds: entry.handle.value)
        }
        return PipelineSnapshot(
            recordsIn: total(recordsInFamily),
            recordsOut: total(recordsOutFamily),
            errors: total(errorsFamily),
            lateRecords: total(lateFamily),
            alerts: total(alertsFamily),
            consumerLag: lags,
            watermarkDelays: delays,
            lastCommitSeconds: lastCommit.value,
            lastCheckpointSeconds: lastCheckpoint.value
        )
    }
}

/// What `PipelineMetrics.snapshot()` read: totals over all streams plus the per-partition detail.
public struct PipelineSnapshot: Sendable, Hashable {
    public struct PartitionLag: Sendable, Hashable {
        public let stream: String
        public let partition: Int32
        public let lag: Double

        public init(stream: String, partition: Int32, lag: Double) {
            self.stream = stream
            self.partition = partition
            self.lag = lag
        }
    }

    public struct WatermarkDelay: Sendable, Hashable {
        public let stream: String
        public let seconds: Double

        public init(stream: String, seconds: Double) {
            self.stream = stream
            self.seconds = seconds
        }
    }

    public let recordsIn: UInt64
    public let recordsOut: UInt64
    public let errors: UInt64
    public let lateRecords: UInt64
    public let alerts: UInt64
    public let consumerLag: [PartitionLag]
    public let watermarkDelays: [WatermarkDelay]
    /// Unix seconds, 0 when no commit happened yet.
    public let lastCommitSeconds: Double
    /// Unix seconds, 0 when no checkpoint happened yet.
    public let lastCheckpointSeconds: Double
}
