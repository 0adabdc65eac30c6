import EddyEngine
import EddyKafka
import EddyMetrics

/// One bound source topic as the pipeline thread sees it: the engine's source index, the record
/// origin for error rows, and per-partition positions and metric handles, indexed by partition
/// number so the per-record path is array access only.
final class SourceTopic {
    let topic: String
    let stream: String
    let source: Int
    let origin: RecordOrigin
    /// Index into each task's `deduplicators` when this topic is a repartition topic written by a
    /// `RepartitionStage` (its records carry upstream positions), else -1.
    var deduplicatorSlot = -1
    /// Learned from the first message of this topic (librdkafka keeps one topic object per name).
    var topicID: KafkaTopicID?
    /// Next offset to read per partition (last processed + 1), -1 when nothing was read yet.
    @exclusivity(unchecked) var positions: ContiguousArray<Int64> = []
    @exclusivity(unchecked) var recordsIn: ContiguousArray<Counter?> = []
    var lag: [Int32: Gauge] = [:]
    var watermarkDelay: [Int32: Gauge] = [:]
    let metrics: PipelineMetrics
    let partitionWatermarks: GaugeFamily?

    init(topic: String, stream: String, source: Int, metrics: PipelineMetrics, partitionWatermarks: GaugeFamily?) {
        self.topic = topic
        self.stream = stream
        self.source = source
        self.origin = RecordOrigin(topic: topic)
        self.metrics = metrics
        self.partitionWatermarks = partitionWatermarks
    }

    func watermarkDelayGauge(_ partition: Int32) -> Gauge? {
        if let gauge = watermarkDelay[partition] { return gauge }
        guard let gauge = try? partitionWatermarks?.labels(stream, String(partition)) else { return nil }
        watermarkDelay[partition] = gauge
        return gauge
    }

    /// Whether the engine already holds this record: after a rebalance gives back a partition this
    /// instance read before, librdkafka resumes at the group's committed offset, which lags the
    /// engine's own position by up to a commit interval plus the open windows.
    @inline(__always) func alreadyProcessed(partition: Int32, offset: Int64) -> Bool {
        let p = Int(partition)
        return p < positions.count && offset < positions[p]
    }

    /// Records that `offset` of `partition` was processed.
    @inline(__always) func processed(partition: Int32, offset: Int64) {
        let p = Int(partition)
        if p >= positions.count { grow(to: p + 1) }
        positions[p] = offset &+ 1
        if let counter = recordsIn[p] { counter.increment() } else { makeCounter(p).increment() }
    }

    /// Records that `offset` of `partition` was processed, without counting it: the record loop
    /// counts runs of records with `count(partition:records:)`.
    @inline(__always) func advance(partition: Int32, offset: Int64) {
        let p = Int(partition)
        if p >= positions.count { grow(to: p + 1) }
        positions[p] = offset &+ 1
    }

    /// Adds `records` processed records of `partition` to its counter (after `advance` grew the tables).
    func count(partition: Int32, records: UInt64) {
        let p = Int(partition)
        if let counter = recordsIn[p] { counter.increment(by: records) } else { makeCounter(p).increment(by: records) }
    }

    /// Sets where `partition` resumes (a restored checkpoint's next offset).
    func resume(partition: Int32, at nextOffset: Int64) {
        let p = Int(partition)
        guard p >= 0 else { return }
        if p >= positions.count { grow(to: p + 1) }
        positions[p] = nextOffset
    }

    /// Forgets what was read of `partition` (a new task owns it, starting cold or from a checkpoint).
    func forget(partition: Int32) {
        let p = Int(partition)
        if p >= 0, p < positions.count { positions[p] = -1 }
    }

    func position(of partition: Int32) -> Int64? {
        let p = Int(partition)
        guard p >= 0, p < positions.count, positions[p] >= 0 else { return nil }
        return positions[p]
    }

    func lagGauge(_ partition: Int32) -> Gauge {
        if let gauge = lag[partition] { return gauge }
        let gauge = metrics.consumerLag(stream: stream, partition: partition)
        lag[partition] = gauge
        return gauge
    }

    private func grow(to count: Int) {
        positions.append(contentsOf: repeatElement(-1, count: count - positions.count))
        recordsIn.append(contentsOf: repeatElement(nil, count: count - recordsIn.count))
    }

    private func makeCounter(_ p: Int) -> Counter {
        let counter = metrics.recordsIn(stream: stream, partition: Int32(p))
        recordsIn[p] = counter
        return counter
    }
}
