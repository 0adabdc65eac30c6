import EddyEngine
import EddyKafka
import EddyMetrics
import EddySQL
import Dispatch
import Foundation
import Synchronization

/// The pipeline's thread-confined state and loop: poll → tasks' engines → producer, commit released
/// offsets and write checkpoints after delivery, pause on back pressure. Everything here runs on the
/// pipeline thread (rebalance events too: librdkafka calls them inside `poll`), hence
/// `@unchecked Sendable`. The other parts are in `PipelineWorker+Commits` (commits, checkpoints,
/// flushes), `+Tasks` (assignment, restore) and `+Gauges`.
final class PipelineWorker: @unchecked Sendable {
    let topology: Topology
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let configuration: PipelineConfiguration
    let metrics: PipelineMetrics
    let incidents: IncidentLog
    let log: @Sendable (String) -> Void
    let sources: ContiguousArray<SourceTopic>
    var sourceBySourceIndex: [Int: SourceTopic] = [:]
    /// The source streams read from repartition topics (`<topology>.repartition.<source>`), in
    /// the order of each task's `deduplicators`.
    let deduplicatedStreams: [String]
    var sink: ProducerSink
    var ledger = CheckpointLedger()
    /// The mark through which outputs are known delivered and their offsets stored.
    var deliveredMark = DeliveryMark.start
    var assignment = Set<TopicPartition>()
    var paused = false
    var pauses = 0

    // MARK: Tasks

    /// Builds a fresh engine for a new task (the topology was checked when the pipeline was built).
    let makeEngine: () throws(EngineError) -> Engine
    /// A fresh engine built by `init` (which checked the topology with it), used by the first task.
    var spareEngine: Engine?
    /// Every task this instance holds, by partition number (-1 for the single task): active ones own
    /// partitions; dormant ones (revoked) are kept in memory in case their partitions come back.
    var tasks: [Int32: PipelineTask] = [:]
    /// The active task of each partition number, so routing a record is an array access.
    @exclusivity(unchecked) var taskByPartition: ContiguousArray<PipelineTask?> = []
    /// The state directory, when checkpoints are on.
    let checkpoints: TaskCheckpointStore?
    let checkpointWriter: CheckpointWriter?
    var nextCheckpoint: ContinuousClock.Instant
    /// Exactly-once mode: outputs go through this producer's transactions, one per checkpoint.
    let transactions: KafkaTransactionalProducer?
    var transactionsCommitted = 0
    /// Whether a transaction is open (between begin and commit/abort).
    var transactionOpen = false
    /// What the open transaction carries besides outputs (`PipelineWorker+Transactions`).
    var transactionContents = TransactionContents()
    /// A failure inside a rebalance callback (a checkpoint that cannot be restored), thrown by the
    /// loop after the poll that ran the callback.
    var callbackFailure: (any Error)?
    /// Set once processing failed: the state may then be ahead of what was delivered, so no
    /// checkpoint is written any more.
    var failed = false

    // MARK: Counts and gauges

    /// What this instance processed, summed over tasks (restored engines' earlier counts excluded).
    var totals = InstanceTotals()
    var checkpointProgress = CheckpointProgress()
    let errorCounter: Counter
    let lateCounter: Counter
    let watermarkGauge: Gauge
    let progress: Mutex<PipelineProgress>
    let stopRequested = Atomic<Bool>(false)

    init(engine: Engine, makeEngine: @escaping () throws(EngineError) -> Engine, checkpoints: TaskCheckpointStore?,
         transactions: KafkaTransactionalProducer?, consumer: KafkaConsumer, producer: KafkaProducer, configuration: PipelineConfiguration,
         metrics: PipelineMetrics, incidents: IncidentLog, onOutputRow: OutputRowHandler?, log: @escaping @Sendable (String) -> Void) {
        self.topology = engine.topology
        self.spareEngine = engine
        self.makeEngine = makeEngine
        self.checkpoints = checkpoints
        self.checkpointWriter = checkpoints.map(CheckpointWriter.init)
        self.transactions = transactions
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.metrics = metrics
        self.incidents = incidents
        self.log = log
        nextCheckpoint = ContinuousClock.now + configuration.checkpointInterval
        // Per-partition event-time lag, next to the per-stream `eddy_watermark_delay_seconds`.
        let partitionWatermarks = try? metrics.registry.gauge(
            "eddy_partition_watermark_delay_seconds",
            help: "Wall-clock time minus one source partition's own watermark (its highest rowtime minus the lateness), in seconds.",
            labelNames: ["stream", "partition"])
        sources = ContiguousArray(engine.sourceTopics.map {
            SourceTopic(topic: $0.topic, stream: $0.stream, source: $0.source, metrics: metrics, partitionWatermarks: partitionWatermarks)
        })
        for source in sources { sourceBySourceIndex[source.source] = source }
        let topology = engine.topology
        var deduplicated: [String] = []
        for source in sources {
            guard let stream = topology.streamIndex(source.stream).map({ topology.streams[$0] }),
                  source.topic == topology.repartitionTopic(for: stream) else { continue }
            source.deduplicatorSlot = deduplicated.count
            deduplicated.append(source.stream)
        }
        deduplicatedStreams = deduplicated
        let outputs = topology.streams.filter { !$0.isSource && ($0.isSystem || $0.binding.isBound) }
            .map { (name: $0.name, topic: topology.effectiveTopic($0)) }
        sink = ProducerSink(producer: producer, counters: OutputCounters(streams: outputs, metrics: metrics), onRow: onOutputRow, failure: nil)
        // error/late counts and the watermark are per source stream when there is one, else per topology.
        let label = sources.count == 1 ? sources[0].stream : topology.name
        errorCounter = metrics.errors(stream: label)
        lateCounter = metrics.lateRecords(stream: label)
        watermarkGauge = metrics.watermarkDelay(stream: label)
        progress = Mutex(PipelineProgress())
        // Processing time is the wall clock here, so a rowtime far ahead of it is an error (max_future_skew).
        engine.checksFutureRowtimes = true
        engine.advanceProcessingTime(to: Self.wallClockMillis())
    }

    // MARK: The loop

    /// Runs until `stopRequested`, then flushes, checkpoints and commits. Throws what ended it early.
    func run() throws {
        let clock = ContinuousClock()
        var nextTick = clock.now + configuration.commitInterval
        var failure: (any Error)?
        do { try beginTransactions() } catch {
            failure = error
            failed = true
        }
        while failure == nil, !stopRequested.load(ordering: .acquiring) {
            do {
                let count = try consumer.poll(timeout: configuration.pollTimeout) { batch in
                    process(batch)
                    return batch.count
                }
                if let callbackFailure { throw callbackFailure }
                try afterPoll(receivedRecords: count > 0)
                if clock.now >= nextTick {
                    nextTick = clock.now + configuration.commitInterval
                    try commitTick(now: clock.now)
                    publishGauges()
                }
            } catch {
                failure = error
                failed = true
                break
            }
        }
        let closing = Result { try shutdown(checkpointing: failure == nil) }
        if let failure { throw failure }
        try closing.get()
    }

    @inline(__always) private func process(_ batch: KafkaMessageBatch) {
        let now = Self.wallClockMillis()
        // Records processed are counted per run of one source partition (librdkafka hands messages
        // over partition by partition) and added to its counter when the run ends: one atomic add
        // per run instead of one per record.
        var run = CountedRun()
        for message in batch {
            // The consumer subscribes to exactly the sources' topics, so every message has a source.
            guard let source = source(for: message) else { continue }
            let partition = message.partition
            // A partition without an active task was revoked while its messages were in flight:
            // its new owner reads them.
            let index = Int(partition)
            guard index < taskByPartition.count, taskByPartition[index] != nil else { continue }
            // A guaranteed reference (`taskByPartition` keeps the task alive): a strong local cost an
            // atomic retain and release per record.
            let processed = Unmanaged.passUnretained(taskByPartition[index].unsafelyUnwrapped)._withUnsafeGuaranteedRef { task in
                process(message, source: source, task: task, now: now)
            }
            guard processed else { continue }
            if run.source !== source || run.partition != partition {
                run.flush()
                run = CountedRun(source: source, partition: partition)
            }
            run.records &+= 1
        }
        run.flush()
    }

    /// Feeds one message to its task's engine; returns whether it was processed (not skipped as
    /// already held or as a repartition duplicate).
    @inline(__always) private func process(_ message: KafkaMessage, source: SourceTopic, task: PipelineTask, now: Int64) -> Bool {
        let partition = message.partition
        let offset = message.offset
        if source.alreadyProcessed(partition: partition, offset: offset) { return false }
        // A restarted repartition stage writes again what it wrote since its last commit.
        let slot = source.deduplicatorSlot
        if slot >= 0, let upstream = UpstreamPosition(message: message),
           !task.deduplicators[slot].admit(partition: partition, upstream: upstream) {
            source.processed(partition: partition, offset: offset)
            totals.duplicatesSkipped += 1
            return false
        }
        let engine = task.engine
        if message.isNullValue {
            engine.rejectNullValue(source: source.source, partition: partition, offset: offset, origin: source.origin)
        } else {
            engine.process(source: source.source, partition: partition, offset: offset,
                           timestamp: message.timestampMillis ?? now, value: message.value, origin: source.origin)
        }
        source.advance(partition: partition, offset: offset)
        return true
    }

    @inline(__always) private func source(for message: KafkaMessage) -> SourceTopic? {
        let id = message.topicID
        for source in sources where source.topicID == id { return source }
        // First message of a topic: learn its identity (one String per topic, not per record).
        let name = message.topic
        for source in sources where source.topic == name {
            source.topicID = id
            return source
        }
        return nil
    }

    /// Moves every active task's processing time and hands their outputs to the producer.
    func drainActiveTasks() throws {
        let now = Self.wallClockMillis()
        for task in tasks.values where !task.partitions.isEmpty {
            task.engine.advanceProcessingTime(to: now)
            task.engine.drainOutputs(into: &sink)
            // After the outputs, before any snapshot: partials are drained like outputs.
            try task.publisher?.publish(task.engine, now: now, producer: producer)
        }
        if let failure = sink.failure { throw failure }
    }

    private func afterPoll(receivedRecords: Bool) throws {
        try drainActiveTasks()
        if receivedRecords, incidents.hasOpenProblems { incidents.recovered() }
        try storeSettledCheckpoints()
        collectWrittenCheckpoints()
        applyBackPressure()
    }

    // MARK: Back pressure

    /// Pauses the consumer while too many outputs await delivery, so memory stays bounded during
    /// an outage or a slow sink; resumes below half the limit. Failures are retried next poll.
    private func applyBackPressure() {
        let pending = producer.statistics.pending
        do {
            if !paused, pending >= configuration.maxUndelivered {
                try consumer.pause(Array(assignment))
                paused = true
                pauses += 1
                incidents.report(kind: "backpressure", "\(pending) output messages await delivery; pausing the consumer until the brokers catch up")
            } else if paused, pending <= configuration.maxUndelivered / 2 {
                try consumer.resume(Array(assignment))
                paused = false
            }
        } catch {
            incidents.report(kind: "pause", "could not pause or resume the consumer: \(error)")
        }
    }

    static func wallClockMillis() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}

/// Records processed in a row from one source partition, not yet added to its counter.
private struct CountedRun {
    var source: SourceTopic?
    var partition: Int32 = -1
    var records: UInt64 = 0

    func flush() {
        if records > 0 { source?.count(partition: partition, records: records) }
    }
}

/// Records, errors and late rows this instance processed.
struct InstanceTotals {
    var recordsIn = 0
    var errors = 0
    var lateRows = 0
    var duplicatesSkipped = 0
}

/// Checkpoint figures the worker accumulates for `PipelineProgress`.
struct CheckpointProgress {
    var written = 0
    var lastMillis: Int64?
    var lastBytes = 0
    var lastSeconds = 0.0
    var restored = 0
    var lastRestoreSeconds = 0.0
    var offsets: [String: Int64] = [:]
}
