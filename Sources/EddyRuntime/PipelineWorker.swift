import EddyEngine
import EddyKafka
import EddyMetrics
import EddySQL
import Dispatch
import Foundation
import Synchronization

/// The pipeline's thread-confined state and loop: poll → engine → producer, commit released offsets
/// after delivery, pause on back pressure. Everything here runs on the pipeline thread (rebalance
/// events too: librdkafka calls them inside `poll`), hence `@unchecked Sendable`.
final class PipelineWorker: @unchecked Sendable {
    let engine: Engine
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let configuration: PipelineConfiguration
    let metrics: PipelineMetrics
    let incidents: IncidentLog
    let log: @Sendable (String) -> Void
    let sources: ContiguousArray<SourceTopic>
    private var sourceBySourceIndex: [Int: SourceTopic] = [:]
    private var sink: ProducerSink
    private var ledger = CheckpointLedger()
    /// The mark through which outputs are known delivered and their offsets stored.
    private var deliveredMark = DeliveryMark.start
    private var assignment = Set<TopicPartition>()
    private var paused = false
    private var pauses = 0
    private var countedErrors = 0
    private var countedLate = 0
    private let errorCounter: Counter
    private let lateCounter: Counter
    private let watermarkGauge: Gauge
    let progress: Mutex<PipelineProgress>
    let stopRequested = Atomic<Bool>(false)

    init(engine: Engine, consumer: KafkaConsumer, producer: KafkaProducer, configuration: PipelineConfiguration,
         metrics: PipelineMetrics, incidents: IncidentLog, onOutputRow: OutputRowHandler?, log: @escaping @Sendable (String) -> Void) {
        self.engine = engine
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.metrics = metrics
        self.incidents = incidents
        self.log = log
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

    /// Runs until `stopRequested`, then flushes and commits. Throws what ended it early.
    func run() throws {
        let clock = ContinuousClock()
        var nextTick = clock.now + configuration.commitInterval
        var failure: (any Error)?
        while !stopRequested.load(ordering: .acquiring) {
            do {
                let count = try consumer.poll(timeout: configuration.pollTimeout) { batch in
                    process(batch)
                    return batch.count
                }
                try afterPoll(receivedRecords: count > 0)
                if clock.now >= nextTick {
                    nextTick = clock.now + configuration.commitInterval
                    checkpoint()
                    publishGauges()
                }
            } catch {
                failure = error
                break
            }
        }
        let closing = Result { try shutdown() }
        if let failure { throw failure }
        try closing.get()
    }

    @inline(__always) private func process(_ batch: KafkaMessageBatch) {
        let now = Self.wallClockMillis()
        for message in batch {
            // The consumer subscribes to exactly the sources' topics, so every message has a source.
            guard let source = source(for: message) else { continue }
            let partition = message.partition
            let offset = message.offset
            if source.alreadyProcessed(partition: partition, offset: offset) { continue }
            if message.isNullValue {
                engine.rejectNullValue(source: source.source, partition: partition, offset: offset, origin: source.origin)
            } else {
                engine.process(source: source.source, partition: partition, offset: offset,
                               timestamp: message.timestampMillis ?? now, value: message.value, origin: source.origin)
            }
            source.processed(partition: partition, offset: offset)
        }
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

    private func afterPoll(receivedRecords: Bool) throws {
        engine.advanceProcessingTime(to: Self.wallClockMillis())
        engine.drainOutputs(into: &sink)
        if let failure = sink.failure { throw failure }
        if receivedRecords, incidents.hasOpenProblems { incidents.recovered() }
        try storeSettledCheckpoints()
        applyBackPressure()
    }

    // MARK: At-least-once commits

    /// Opens a checkpoint for the offsets the engine released since the last one. Every output
    /// derived from them has been drained into the producer already, so the current mark covers them.
    private func checkpoint() {
        let offsets = releasedOffsets()
        guard !offsets.isEmpty else { return }
        ledger.open(offsets: offsets, producer: producer)
    }

    private func releasedOffsets() -> [TopicPartitionOffset] {
        engine.releasedCommitPositions().compactMap { position in
            sourceBySourceIndex[position.source].map {
                TopicPartitionOffset(topic: $0.topic, partition: position.partition, offset: position.nextOffset)
            }
        }
    }

    private func storeSettledCheckpoints() throws {
        for (checkpoint, outcome) in ledger.takeSettled() {
            guard outcome.succeeded else { throw deliveryFailure(outcome) }
            // A failed store is not fatal: positions only move forward, so the next checkpoint's
            // offsets cover this one's.
            do { try store(checkpoint.offsets) } catch {
                incidents.report(kind: "store", "could not store offsets for commit: \(error)")
            }
            deliveredMark = checkpoint.mark
            if incidents.hasOpenProblems { incidents.recovered() }
        }
    }

    /// Stores offsets of partitions still assigned (a revoked partition's offsets belong to its new owner).
    private func store(_ offsets: [TopicPartitionOffset]) throws {
        let owned = offsets.filter { assignment.contains($0.topicPartition) }
        guard !owned.isEmpty else { return }
        try consumer.store(owned)
        metrics.lastCommit.set(Double(Self.wallClockMillis()) / 1000)
        progress.withLock { progress in
            for offset in owned { progress.storedOffsets["\(offset.topicPartition)"] = offset.offset }
        }
    }

    private func deliveryFailure(_ outcome: DeliveryOutcome) -> KafkaError {
        let first = outcome.failures[0]
        return KafkaError(kind: .delivery, code: first.error.code,
                          message: "\(outcome.failures.count) output message(s) to \(first.topic) were not delivered (\(first.error.message)); their input offsets stay uncommitted and are replayed on restart")
    }

    /// Drains, waits (blocking this thread) for every output so far, and stores all released offsets.
    /// Used when partitions are revoked and at shutdown.
    private func flushAndStore() throws {
        engine.advanceProcessingTime(to: Self.wallClockMillis())
        engine.drainOutputs(into: &sink)
        if let failure = sink.failure { throw failure }
        let released = releasedOffsets()
        let mark = producer.mark()
        let outcome = try waitForDelivery(through: mark, since: deliveredMark, timeout: configuration.flushTimeout)
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        for checkpoint in ledger.takeAll() { try store(checkpoint.offsets) }
        try store(released)
        deliveredMark = mark
    }

    /// Blocks this thread until `mark` is delivered, or fails after `timeout` (brokers still down):
    /// then nothing is stored, and a restart replays from the last commit.
    private func waitForDelivery(through mark: DeliveryMark, since: DeliveryMark, timeout: Duration) throws -> DeliveryOutcome {
        let settled = DispatchSemaphore(value: 0)
        let result = Mutex<DeliveryOutcome?>(nil)
        let producer = self.producer
        Task.detached {
            let outcome = await producer.awaitDelivery(through: mark, since: since)
            result.withLock { $0 = outcome }
            settled.signal()
        }
        let (whole, fraction) = timeout.components
        let nanoseconds = Int(whole) * 1_000_000_000 + Int(fraction / 1_000_000_000)
        guard settled.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success, let outcome = result.withLock({ $0 }) else {
            throw KafkaError(kind: .timedOut, message: "outputs were not delivered within \(timeout) (are the brokers down?); input offsets stay uncommitted and are replayed on restart")
        }
        return outcome
    }

    private func shutdown() throws {
        defer { refreshProgress() }
        var failure: (any Error)?
        do { try flushAndStore() } catch { failure = error }
        publishGauges()
        if failure == nil {
            do { try consumer.commit() } catch {
                log("warning: could not commit offsets at shutdown (\(error.description)); a restart replays from the previous commit")
            }
        }
        do { try consumer.close() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    // MARK: Rebalances (called inside poll, on this thread)

    func handle(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let partitions):
            do {
                try flushAndStore()
                // Works on real brokers; the embedded cluster rejects commits during a rebalance,
                // which the periodic auto-commit of stored offsets covers.
                try? consumer.commit()
            } catch {
                incidents.report(kind: "revoke", "could not flush before a rebalance: \(error)")
            }
            assignment.subtract(partitions)
        case .assigned(let partitions):
            assignment.formUnion(partitions)
            // Partitions this engine already read from restart at the group's committed offset;
            // `process` skips what the engine already holds (a seek here fails: the partition is
            // not fetchable yet inside the assignment callback).
            for source in sources {
                let owned = partitions.filter { $0.topic == source.topic }.map(\.partition)
                if !owned.isEmpty { engine.expectPartitions(source: source.source, partitions: owned) }
            }
            if paused { try? consumer.pause(partitions) }
        }
        progress.withLock { $0.assignedPartitions = assignment.count }
    }

    // MARK: Back pressure and gauges

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

    private func publishGauges() {
        for partition in assignment {
            guard let source = sources.first(where: { $0.topic == partition.topic }),
                  let position = source.position(of: partition.partition) else { continue }
            let marks = consumer.cachedWatermarks(topic: partition.topic, partition: partition.partition)
            if marks.high >= 0 { source.lagGauge(partition.partition).set(max(0, marks.high - position)) }
        }
        let now = Self.wallClockMillis()
        if engine.watermark > Int64.min / 2 {
            watermarkGauge.set(Double(now - engine.watermark) / 1000)
        }
        for source in sources {
            for (partition, watermark) in engine.partitionWatermarks(source: source.source) where watermark > Int64.min / 2 {
                source.watermarkDelayGauge(partition)?.set(Double(now - watermark) / 1000)
            }
        }
        refreshProgress()
    }

    private func refreshProgress() {
        let statistics = engine.statistics
        if statistics.errors > countedErrors { errorCounter.increment(by: UInt64(statistics.errors - countedErrors)) }
        if statistics.lateRows > countedLate { lateCounter.increment(by: UInt64(statistics.lateRows - countedLate)) }
        countedErrors = statistics.errors
        countedLate = statistics.lateRows
        let produced = producer.statistics
        let paused = self.paused
        let pauses = self.pauses
        progress.withLock { progress in
            progress.pauses = pauses
            progress.recordsIn = statistics.recordsIn
            progress.errors = statistics.errors
            progress.lateRows = statistics.lateRows
            progress.rowsProduced = produced.enqueued
            progress.rowsDelivered = produced.delivered
            progress.paused = paused
        }
    }

    static func wallClockMillis() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}
