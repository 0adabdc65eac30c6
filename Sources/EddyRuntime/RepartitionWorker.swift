import EddyKafka
import Dispatch
import Synchronization

/// The stage's thread-confined loop: poll the source → buffer → forward in event-time order →
/// every commit interval open a
/// pending commit (producer mark + offsets); store offsets once their mark is delivered; pause while
/// too many records await delivery. Rebalance events arrive inside `poll`, on this thread too,
/// hence `@unchecked Sendable`.
final class RepartitionWorker: @unchecked Sendable {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let repartitioner: Repartitioner
    let buffer: RepartitionBuffer
    let sourceTopic: String
    let configuration: PipelineConfiguration
    let incidents: IncidentLog
    let log: @Sendable (String) -> Void
    let stopRequested = Atomic<Bool>(false)
    let progress = Mutex(RepartitionProgress())
    /// Next offset per source partition forwarded since the last pending commit was opened.
    private var forwardedOffsets: [Int32: Int64] = [:]
    /// Source offsets waiting for the delivery of the records forwarded before them.
    private var pending: [DeliveryWatch<[TopicPartitionOffset]>] = []
    private var lastMark = DeliveryMark.start
    /// The mark through which every delivery outcome has been checked.
    private var verifiedMark = DeliveryMark.start
    private var assignment = Set<TopicPartition>()
    /// Too many forwarded records await delivery: every partition is paused.
    private var backPressured = false
    /// Partitions currently paused, for back pressure or because the buffer holds enough of them.
    private var pausedPartitions = Set<TopicPartition>()
    /// A partition whose buffered records reach this is paused until half of them are forwarded
    /// (it is ahead in event time of a partition that is waited for).
    static let bufferedPerPartitionLimit = 10_000

    init(consumer: KafkaConsumer, producer: KafkaProducer, repartitioner: Repartitioner, buffer: RepartitionBuffer, sourceTopic: String,
         configuration: PipelineConfiguration, incidents: IncidentLog, log: @escaping @Sendable (String) -> Void) {
        self.consumer = consumer
        self.producer = producer
        self.repartitioner = repartitioner
        self.buffer = buffer
        self.sourceTopic = sourceTopic
        self.configuration = configuration
        self.incidents = incidents
        self.log = log
    }

    /// Runs until `stopRequested`, then flushes, stores and commits. Throws what ended it early.
    func run() throws {
        let clock = ContinuousClock()
        var nextTick = clock.now + configuration.commitInterval
        var failure: (any Error)?
        while !stopRequested.load(ordering: .acquiring) {
            do {
                let count = try consumer.poll(timeout: configuration.pollTimeout) { batch in
                    let now = clock.now
                    for message in batch { buffer.add(message, now: now) }
                    return batch.count
                }
                if count > 0, incidents.hasOpenProblems { incidents.recovered() }
                try releaseBuffered(now: clock.now)
                try storeSettled()
                if clock.now >= nextTick {
                    nextTick = clock.now + configuration.commitInterval
                    openCommit()
                    refreshProgress()
                }
                applyFlowControl()
            } catch {
                failure = error
                break
            }
        }
        let closing = Result { try shutdown() }
        if let failure { throw failure }
        try closing.get()
    }

    /// Sends what the buffer releases (event-time order across partitions).
    private func releaseBuffered(now: ContinuousClock.Instant) throws(KafkaError) {
        let consumer = self.consumer
        let topic = sourceTopic
        try buffer.release(now: now, caughtUp: { partition, position in
            let high = consumer.cachedWatermarks(topic: topic, partition: partition).high
            return high >= 0 && position >= high
        }) { (partition, record, bytes) throws(KafkaError) in
            try repartitioner.send(partition: partition, record, bytes: bytes)
            forwardedOffsets[partition] = record.offset + 1
        }
    }

    /// Takes a producer mark covering every record forwarded so far, with the offsets after them.
    private func openCommit() {
        guard !forwardedOffsets.isEmpty else { return }
        let offsets = forwardedOffsets.map { TopicPartitionOffset(topic: sourceTopic, partition: $0.key, offset: $0.value) }
        forwardedOffsets.removeAll(keepingCapacity: true)
        let mark = producer.mark()
        pending.append(DeliveryWatch(offsets, mark: mark, since: lastMark, producer: producer))
        lastMark = mark
    }

    /// Stores the offsets of the leading pending commits whose records are all delivered.
    private func storeSettled() throws {
        while let first = pending.first, let outcome = first.outcome {
            guard outcome.succeeded else { throw deliveryFailure(outcome) }
            pending.removeFirst()
            verifiedMark = first.mark
            store(first.payload)
        }
    }

    /// Stores offsets of partitions still assigned (a revoked partition's offsets belong to its new owner).
    private func store(_ offsets: [TopicPartitionOffset]) {
        let owned = offsets.filter { assignment.contains($0.topicPartition) }
        guard !owned.isEmpty else { return }
        // Not fatal: positions only move forward, so the next commit's offsets cover these.
        do { try consumer.store(owned) } catch {
            incidents.report(kind: "store", "could not store repartition offsets for commit: \(error)")
            return
        }
        progress.withLock { progress in
            for offset in owned { progress.storedOffsets["\(offset.topicPartition)"] = offset.offset }
        }
    }

    private func deliveryFailure(_ outcome: DeliveryOutcome) -> KafkaError {
        let first = outcome.failures[0]
        return KafkaError(kind: .delivery, code: first.error.code,
                          message: "\(outcome.failures.count) record(s) to \(first.topic) were not delivered (\(first.error.message)); their source offsets stay uncommitted and are forwarded again on restart")
    }

    /// Waits (blocking this thread, at most `flushTimeout`) for every forwarded record, then stores
    /// every offset. Used when partitions are revoked and at shutdown.
    private func flushAndStore() throws {
        openCommit()
        let mark = producer.mark()
        guard let outcome = producer.waitForDelivery(through: mark, since: verifiedMark, timeout: configuration.flushTimeout) else {
            throw KafkaError(kind: .timedOut, message: "repartitioned records were not delivered within \(configuration.flushTimeout) (are the brokers down?); their source offsets stay uncommitted and are forwarded again on restart")
        }
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        for commit in pending { store(commit.payload) }
        pending.removeAll()
        lastMark = mark
        verifiedMark = mark
    }

    private func shutdown() throws {
        defer { refreshProgress() }
        var failure: (any Error)?
        do { try flushAndStore() } catch { failure = error }
        if failure == nil {
            do { try consumer.commit() } catch {
                log("warning: could not commit repartition offsets at shutdown (\(error.description)); a restart forwards again from the previous commit")
            }
        }
        do { try consumer.close() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    // MARK: Rebalances (inside poll, on this thread)

    func handle(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let partitions):
            do {
                try flushAndStore()
                // Works on real brokers; the embedded cluster rejects commits during a rebalance,
                // which the periodic auto-commit of stored offsets covers.
                try? consumer.commit()
            } catch {
                incidents.report(kind: "revoke", "could not flush the repartition stage before a rebalance: \(error)")
            }
            assignment.subtract(partitions)
            pausedPartitions.subtract(partitions)
            for partition in partitions { forwardedOffsets[partition.partition] = nil }
            buffer.remove(partitions: partitions.map(\.partition))
        case .assigned(let partitions):
            assignment.formUnion(partitions)
            buffer.expect(partitions: partitions.map(\.partition), now: ContinuousClock().now)
            if backPressured {
                try? consumer.pause(partitions)
                pausedPartitions.formUnion(partitions)
            }
        }
        progress.withLock { $0.assignedPartitions = assignment.count }
    }

    // MARK: Flow control

    /// Pauses every partition while too many records await delivery (memory stays bounded during
    /// an outage; resumed below half the limit), and a partition whose buffered records reach
    /// `bufferedPerPartitionLimit` (resumed below half of it).
    private func applyFlowControl() {
        let pendingCount = producer.statistics.pending
        if !backPressured, pendingCount >= configuration.maxUndelivered {
            backPressured = true
            incidents.report(kind: "backpressure", "\(pendingCount) repartitioned records await delivery; pausing the source until the brokers catch up")
        } else if backPressured, pendingCount <= configuration.maxUndelivered / 2 {
            backPressured = false
        }
        var wanted = Set<TopicPartition>()
        if backPressured {
            wanted = assignment
        } else {
            for queue in buffer.queues {
                let partition = TopicPartition(topic: sourceTopic, partition: queue.partition)
                let limit = pausedPartitions.contains(partition) ? Self.bufferedPerPartitionLimit / 2 : Self.bufferedPerPartitionLimit
                if queue.count >= limit, assignment.contains(partition) { wanted.insert(partition) }
            }
        }
        guard wanted != pausedPartitions else { return }
        do {
            let pause = wanted.subtracting(pausedPartitions)
            let resume = pausedPartitions.subtracting(wanted)
            if !pause.isEmpty { try consumer.pause(Array(pause)) }
            if !resume.isEmpty { try consumer.resume(Array(resume)) }
            pausedPartitions = wanted
        } catch {
            incidents.report(kind: "pause", "could not pause or resume the repartition consumer: \(error)")
        }
    }

    private func refreshProgress() {
        let forwarded = repartitioner.forwarded
        let undecodable = buffer.undecodable
        let delivered = producer.statistics.delivered
        progress.withLock { progress in
            progress.forwarded = forwarded
            progress.undecodable = undecodable
            progress.delivered = delivered
        }
    }
}
