import EddyEngine
import EddyKafka
import EddyMetrics
import EddySQL
import EddyState
import Dispatch
import Synchronization

/// The combiner stage's thread-confined loop: poll the partials topic → `PartialCombiner` → produce
/// the combined rows → every checkpoint interval capture the combiner's state with the partials
/// offset it covers, and write it once those rows are delivered (or, with `transactions`, commit it
/// in one transaction with them: `CombinerWorker+Transactions`). Rebalance events arrive inside
/// `poll`, on this thread too, hence `@unchecked Sendable`.
final class CombinerWorker: @unchecked Sendable {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    /// Exactly-once mode: `producer` is this one's, and every combined row goes through its transactions.
    let transactions: KafkaTransactionalProducer?
    let topology: Topology
    let pumps: [String]
    let partialsTopic: String
    let configuration: PipelineConfiguration
    let checkpoints: TaskCheckpointStore?
    let incidents: IncidentLog
    let log: @Sendable (String) -> Void
    let stopRequested = Atomic<Bool>(false)
    let progress = Mutex(CombinerProgress())
    /// The number of tasks (partitions of the tasks' input topic); set by `CombinerStage.start()`
    /// before the loop starts.
    let taskCountBox = Mutex(0)
    var taskCount: Int { taskCountBox.withLock { $0 } }
    var sink: ProducerSink
    /// What the open transaction holds (`CombinerWorker+Transactions`); only this thread touches it.
    var transaction = CombinerTransaction()

    /// The combiner, while this instance owns the partials partition (without checkpoints it is
    /// kept, dormant, after a revocation, in case the partition comes back).
    private var combiner: PartialCombiner?
    /// Whether this instance owns the partials partition now.
    private var owned = false
    private var reports: [TaskProgressReport?] = []
    /// The next partials offset to process (what a checkpoint stores).
    private var position: Int64?
    private var checkpointedPosition: Int64?
    private var nextCheckpointID: UInt64 = 1
    /// Combiner checkpoints captured but written only once the combined rows before them are delivered.
    private var pending: [DeliveryWatch<TaskCheckpointStore.Capture>] = []
    var lastMark = DeliveryMark.start
    private var callbackFailure: (any Error)?
    var counts = CombinerProgress()
    /// `eddy_combiner_partials_total{outcome}`: merged, after_fire (replays, late), rejected.
    private let merged: Counter?
    private let afterFire: Counter?
    private let rejectedCounter: Counter?
    /// `eddy_combiner_transactions_total{outcome}` (exactly-once only): committed, aborted.
    let transactionCounters: (committed: Counter, aborted: Counter)?

    var scope: String { TaskCheckpointStore.safeName(topology.name) + ".combiner" }

    init(consumer: KafkaConsumer, producer: KafkaProducer, transactions: KafkaTransactionalProducer?, topology: Topology, pumps: [String], partialsTopic: String,
         configuration: PipelineConfiguration, checkpoints: TaskCheckpointStore?, metrics: PipelineMetrics,
         onOutputRow: OutputRowHandler?, incidents: IncidentLog, log: @escaping @Sendable (String) -> Void) {
        self.consumer = consumer
        self.producer = producer
        self.transactions = transactions
        self.topology = topology
        self.pumps = pumps
        self.partialsTopic = partialsTopic
        self.configuration = configuration
        self.checkpoints = checkpoints
        self.incidents = incidents
        self.log = log
        let family = try? metrics.registry.counter(
            "eddy_combiner_partials_total",
            help: "Messages of the partials topic the combiner read: merged partial windows, partials after their window fired (replays after a task restart, or late), rejected (undecodable, unknown task, corrupt state).",
            labelNames: ["outcome"])
        merged = try? family?.labels("merged")
        afterFire = try? family?.labels("after_fire")
        rejectedCounter = try? family?.labels("rejected")
        if transactions != nil, let transactionFamily = try? metrics.registry.counter(
            "eddy_combiner_transactions_total",
            help: "Combiner checkpoint transactions (--exactly-once): committed (combined rows, combiner snapshot with a changelog topic, partials offset), aborted (after a failed transactional call; the restart produces their rows again).",
            labelNames: ["outcome"]),
           let committed = try? transactionFamily.labels("committed"), let aborted = try? transactionFamily.labels("aborted") {
            transactionCounters = (committed, aborted)
        } else {
            transactionCounters = nil
        }
        let outputs = topology.streams.filter { !$0.isSource && ($0.isSystem || $0.binding.isBound) }
            .map { (name: $0.name, topic: topology.effectiveTopic($0)) }
        sink = ProducerSink(producer: producer, counters: OutputCounters(streams: outputs, metrics: metrics), onRow: onOutputRow, failure: nil)
    }

    /// Runs until `stopRequested`, then flushes and checkpoints. Throws what ended it early.
    func run() throws {
        let clock = ContinuousClock()
        var nextCheckpoint = clock.now + configuration.checkpointInterval
        var failure: (any Error)?
        do { try beginTransactions() } catch { failure = error }
        while failure == nil, !stopRequested.load(ordering: .acquiring) {
            do {
                let count = try consumer.poll(timeout: configuration.pollTimeout) { batch in
                    for message in batch { handle(message) }
                    return batch.count
                }
                if let callbackFailure { throw callbackFailure }
                if count > 0, incidents.hasOpenProblems { incidents.recovered() }
                try drain()
                try writeSettled()
                refreshProgress()
                if clock.now >= nextCheckpoint {
                    nextCheckpoint = clock.now + configuration.checkpointInterval
                    if transactions != nil {
                        try commitTransactionalCheckpoint(reopen: true)
                    } else if pending.isEmpty, let capture = capture() {
                        let mark = producer.mark()
                        pending.append(DeliveryWatch(capture, mark: mark, since: lastMark, producer: producer))
                        lastMark = mark
                    }
                }
            } catch {
                failure = error
                break
            }
        }
        let closing = Result { try shutdown(checkpointing: failure == nil) }
        refreshProgress()
        if let failure { throw failure }
        try closing.get()
    }

    // MARK: Partials

    private func handle(_ message: KafkaMessage) {
        guard owned, message.partition == 0, let combiner else { return }
        let offset = message.offset
        if let position, offset < position { return }
        position = offset + 1
        let decoded: PartialMessage
        do {
            decoded = try PartialMessage.decode(Array(message.value))
        } catch {
            reject(offset: offset, reason: error.description)
            return
        }
        guard decoded.task < combiner.taskCount else {
            reject(offset: offset, reason: "task \(decoded.task) is not one of the \(combiner.taskCount) tasks (partitions of the tasks' input topic); was a partition added?")
            return
        }
        do {
            switch decoded {
            case .partial(let task, let window):
                let before = combiner.replaysAfterFire
                try combiner.receive(task: task, partial: window)
                if combiner.replaysAfterFire > before {
                    counts.partialsAfterFire += 1
                    afterFire?.increment()
                } else {
                    counts.partials += 1
                    merged?.increment()
                }
            case .progress(let task, let watermark, let idle):
                counts.progressMarkers += 1
                let previous = reports[task]?.watermark ?? .min
                reports[task] = TaskProgressReport(watermark: max(previous, watermark), idle: idle)
                try advance(combiner)
            }
        } catch {
            reject(offset: offset, reason: String(describing: error))
        }
    }

    /// Fires what every task has passed. An idle task (see `TaskPartialPublisher`) follows the
    /// others: the horizon is the lowest progress of the tasks that are not idle, or the highest of
    /// all when every task is idle (the engine's rule for idle source partitions).
    private func advance(_ combiner: PartialCombiner) throws(AccumulatorMergeError) {
        var activeLow = Int64.max
        var anyActive = false
        var highest = Int64.min
        for report in reports {
            guard let report else { return }
            highest = max(highest, report.watermark)
            if !report.idle {
                anyActive = true
                activeLow = min(activeLow, report.watermark)
            }
        }
        let horizon = anyActive ? activeLow : highest
        for (task, report) in reports.enumerated() {
            guard let report else { continue }
            try combiner.advance(task: task, progress: report.idle ? max(report.watermark, horizon) : report.watermark)
        }
    }

    private func reject(offset: Int64, reason: String) {
        counts.rejected += 1
        rejectedCounter?.increment()
        log("warning: partials topic \(partialsTopic)[0] offset \(offset): \(reason); skipped")
    }

    /// Hands the combined rows to the producer (inside the open transaction, with `transactions`).
    func drain() throws {
        guard owned, let combiner else { return }
        guard transactions != nil else {
            combiner.engine.drainOutputs(into: &sink)
            if let failure = sink.failure { throw failure }
            return
        }
        let before = producer.mark()
        combiner.engine.drainOutputs(into: &sink)
        transaction.rows += Int(producer.mark().sequence - before.sequence)
        if let failure = sink.failure { throw failure }
    }

    // MARK: Checkpoints

    /// The combiner's state with the partials offset it covers, when it moved since the last one.
    func capture() -> TaskCheckpointStore.Capture? {
        guard owned, let checkpoints, let combiner, let position, position != checkpointedPosition else { return nil }
        let clock = ContinuousClock()
        let started = clock.now
        let state = CombinerState(reports: reports, pending: combiner.pendingPartials)
        let checkpoint = Checkpoint(
            scope: scope, topologyFingerprint: checkpoints.fingerprint, id: nextCheckpointID, createdAtMillis: Checkpoint.wallClockMillis(),
            inputOffsets: [InputOffset(topic: partialsTopic, partition: 0, nextOffset: position)],
            operatorStates: [OperatorState(name: TaskCheckpointStore.engineState, bytes: combiner.engine.snapshot()),
                             OperatorState(name: Self.combinerState, bytes: state.encoded())])
        nextCheckpointID += 1
        checkpointedPosition = position
        return TaskCheckpointStore.Capture(checkpoint: checkpoint, snapshotSeconds: TaskCheckpointStore.seconds(clock.now - started))
    }

    static let combinerState = "combiner"

    /// Writes the captures whose combined rows are delivered.
    private func writeSettled() throws {
        while let first = pending.first, let outcome = first.outcome {
            guard outcome.succeeded else { throw deliveryFailure(outcome) }
            pending.removeFirst()
            save(first.payload)
        }
    }

    func save(_ capture: TaskCheckpointStore.Capture) {
        guard let checkpoints else { return }
        do {
            _ = try checkpoints.save(capture)
            counts.checkpointsWritten += 1
        } catch {
            // Not fatal: the previous checkpoint stays valid; a restart only re-reads more partials.
            incidents.report(kind: "checkpoint", "could not write the combiner checkpoint \(capture.checkpoint.id): \(error)")
        }
    }

    func deliveryFailure(_ outcome: DeliveryOutcome) -> KafkaError {
        let first = outcome.failures[0]
        return KafkaError(kind: .delivery, code: first.error.code,
                          message: "\(outcome.failures.count) combined row(s) to \(first.topic) were not delivered (\(first.error.message)); the combiner's checkpoint stays behind them and a restart produces them again")
    }

    /// Drains, waits (blocking this thread, at most `flushTimeout`) for every combined row, then
    /// writes the pending captures and, with `checkpointing`, a final one. On revoke and at shutdown.
    private func flushAndCheckpoint(checkpointing: Bool) throws {
        try drain()
        let mark = producer.mark()
        guard let outcome = producer.waitForDelivery(through: mark, since: lastMark, timeout: configuration.flushTimeout) else {
            throw KafkaError(kind: .timedOut, message: "combined rows were not delivered within \(configuration.flushTimeout) (are the brokers down?); the combiner's checkpoint stays behind them")
        }
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        lastMark = mark
        for checkpoint in pending { save(checkpoint.payload) }
        pending.removeAll()
        if checkpointing, let capture = capture() { save(capture) }
    }

    /// Ends the run: flushes and checkpoints (with `transactions`: commits the open transaction with a
    /// final checkpoint, or aborts it after a failure), then leaves the group.
    private func shutdown(checkpointing: Bool) throws {
        var failure: (any Error)?
        do {
            if transactions != nil { try endTransactions(committing: checkpointing) } else { try flushAndCheckpoint(checkpointing: checkpointing) }
        } catch { failure = error }
        owned = false
        do { try consumer.close() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    // MARK: Assignment (inside poll, on this thread)

    /// Where the partials partition starts when assigned: a fresh combiner restored from the newest
    /// checkpoint (fetching at its offset), or a cold one reading the topic from its beginning.
    func startOffsets(for partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        guard let partition = partitions.first(where: { $0.topic == partialsTopic && $0.partition == 0 }) else { return [:] }
        // Without checkpoints, a combiner kept from before a rebalance goes on where it stopped.
        if checkpoints == nil, combiner != nil, let position {
            owned = true
            return [partition: position]
        }
        do {
            let combiner = try PartialCombiner(topology: topology, pumps: pumps, taskCount: taskCount)
            var reports = [TaskProgressReport?](repeating: nil, count: taskCount)
            var position: Int64?
            if let checkpoints, let checkpoint = try checkpoints.loadNewest(scope: scope, log: log) {
                guard let engine = checkpoint.state(named: TaskCheckpointStore.engineState),
                      let stateBytes = checkpoint.state(named: Self.combinerState),
                      let offset = checkpoint.inputOffsets.first(where: { $0.topic == partialsTopic && $0.partition == 0 }) else {
                    throw CheckpointError(kind: .corrupt, message: "combiner checkpoint \(checkpoint.id) of \(scope) lacks its engine state, its partials or its offset")
                }
                let state = try CombinerState.decode(stateBytes)
                guard state.reports.count == taskCount else {
                    throw CheckpointError(kind: .corrupt, message: "combiner checkpoint \(checkpoint.id) of \(scope) has \(state.reports.count) tasks, and the tasks' input topic now has \(taskCount) partitions: delete the combiner's checkpoints (scope \(scope)) to start it cold")
                }
                try combiner.engine.restore(from: engine)
                for (task, partial) in state.pending { try combiner.receive(task: task, partial: partial) }
                reports = state.reports
                position = offset.nextOffset
                nextCheckpointID = checkpoint.id + 1
                log("info: restored the combiner of \(topology.name) from checkpoint \(checkpoint.id): \(state.pending.count) pending partial(s); reading \(partialsTopic) from offset \(offset.nextOffset)")
            }
            self.combiner = combiner
            owned = true
            self.reports = reports
            self.position = position
            checkpointedPosition = position
            if reports.allSatisfy({ $0 != nil }) { try advance(combiner) }
            // Nothing can fire here (the checkpoint was taken after the same advance), but drain anyway.
            // Without a checkpoint, from the beginning: never from the group's committed offset (which
            // exactly-once transactions store on a real cluster), since the state would lack what precedes it.
            return [partition: position ?? KafkaOffset.beginning]
        } catch {
            if callbackFailure == nil { callbackFailure = error }
            return [:]
        }
    }

    func handle(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let partitions):
            guard partitions.contains(where: { $0.topic == partialsTopic && $0.partition == 0 }), owned else { return }
            if transactions != nil {
                // The rows fired so far commit with a final checkpoint, so the next owner restores
                // exactly what they reflect. A failed transactional call ends the combiner (the loop
                // throws it after this poll; its shutdown aborts the transaction).
                do { try commitTransactionalCheckpoint(reopen: true) } catch {
                    if callbackFailure == nil { callbackFailure = error }
                }
            } else {
                do { try flushAndCheckpoint(checkpointing: true) } catch {
                    incidents.report(kind: "revoke", "could not flush the combiner before a rebalance: \(error)")
                }
            }
            owned = false
            if checkpoints != nil {
                // Its checkpoint is the truth now: whoever gets the partition restores it.
                combiner = nil
                position = nil
            }
        case .assigned:
            break
        }
        let owned = self.owned
        progress.withLock { $0.owned = owned }
    }

    private func refreshProgress() {
        let counts = self.counts
        let owned = self.owned
        let horizon = combiner?.horizon
        // With transactions the producer also carries the combiner's snapshots (changelog topic):
        // count the rows of committed transactions, which their commit acknowledged.
        let delivered = transactions != nil ? UInt64(counts.rowsCommitted) : producer.statistics.delivered
        progress.withLock { progress in
            progress.rowsDelivered = delivered
            progress.partials = counts.partials
            progress.partialsAfterFire = counts.partialsAfterFire
            progress.progressMarkers = counts.progressMarkers
            progress.rejected = counts.rejected
            progress.checkpointsWritten = counts.checkpointsWritten
            progress.owned = owned
            progress.horizon = horizon
            progress.transactionsCommitted = counts.transactionsCommitted
            progress.transactionsAborted = counts.transactionsAborted
            progress.rowsCommitted = counts.rowsCommitted
        }
    }
}

/// What a `CombinerStage` has done so far.
public struct CombinerProgress: Sendable, Hashable {
    /// Partial windows buffered (replays that replaced an earlier one included).
    public var partials = 0
    /// Partials for windows that had already fired: replays after a task restart, or late partials of
    /// a task that was idle (not merged).
    public var partialsAfterFire = 0
    public var progressMarkers = 0
    /// Messages of the partials topic that could not be used (undecodable, unknown task, corrupt state).
    public var rejected = 0
    public var checkpointsWritten = 0
    /// Combined rows the producer has acknowledged (with `--exactly-once`: those of committed transactions).
    public var rowsDelivered: UInt64 = 0
    /// Whether this instance runs the combiner now (owns the partials partition).
    public var owned = false
    /// The watermark up to which combined windows have fired.
    public var horizon: Int64?
    /// `--exactly-once`: combiner transactions committed and aborted, and the combined rows produced
    /// inside the committed ones (every combined row goes through a transaction in this mode).
    public var transactionsCommitted = 0
    public var transactionsAborted = 0
    public var rowsCommitted = 0
}
