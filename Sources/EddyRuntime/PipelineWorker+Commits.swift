import Dispatch
import EddyEngine
import EddyKafka
import EddyState
import Synchronization

/// Commits and checkpoints: what is made durable, and only after the outputs it covers are delivered.
///
/// - Group offsets: the engines' *released* positions (every window a record feeds has fired), so
///   an instance that starts without a checkpoint (cold) still misses nothing (at-least-once).
/// - Checkpoints: each task's full state with the positions it has *processed*; a restore seeks
///   there, so nothing is replayed into state that already holds it (effectively-once outputs).
extension PipelineWorker {
    /// Every commit interval: opens a ledger entry for the released offsets and, when the
    /// checkpoint interval has passed, for a snapshot of every active task that changed. Outputs
    /// were drained just before, so the producer mark taken now covers everything they reflect.
    func commitTick(now: ContinuousClock.Instant) throws {
        if transactions != nil {
            // Exactly-once: offsets are committed only inside the checkpoint's transaction.
            if now >= nextCheckpoint, checkpointWriter?.isBusy != true {
                nextCheckpoint = now + configuration.checkpointInterval
                try commitTransactionalCheckpoint(reopen: true)
            }
            return
        }
        let offsets = releasedOffsets()
        var snapshots: [TaskCheckpointStore.Capture] = []
        if checkpoints != nil, now >= nextCheckpoint {
            nextCheckpoint = now + configuration.checkpointInterval
            // One snapshot in memory at a time: while the previous one waits for its outputs'
            // delivery (an outage) or for the disk, this interval is skipped.
            if !ledger.holdsSnapshots, checkpointWriter?.isBusy != true {
                snapshots = captureChanged(activeTasks)
            }
        }
        guard !offsets.isEmpty || !snapshots.isEmpty else { return }
        ledger.open(offsets: offsets, snapshots: snapshots, producer: producer)
    }

    var activeTasks: [PipelineTask] {
        tasks.values.filter { !$0.partitions.isEmpty }.sorted { ($0.partition ?? -1) < ($1.partition ?? -1) }
    }

    func releasedOffsets() -> [TopicPartitionOffset] {
        var offsets: [TopicPartitionOffset] = []
        for task in tasks.values {
            for position in task.engine.releasedCommitPositions() {
                guard let source = sourceBySourceIndex[position.source] else { continue }
                offsets.append(TopicPartitionOffset(topic: source.topic, partition: position.partition, offset: position.nextOffset))
            }
        }
        return offsets
    }

    /// Snapshots of the tasks that processed records or moved their watermark since their last
    /// checkpoint (an idle task's state is unchanged, so writing it again would only cost I/O).
    func captureChanged(_ candidates: [PipelineTask]) -> [TaskCheckpointStore.Capture] {
        guard let checkpoints else { return [] }
        var captures: [TaskCheckpointStore.Capture] = []
        for task in candidates {
            let marker = task.changeMarker
            guard marker != task.checkpointedMarker else { continue }
            captures.append(checkpoints.capture(task, offsets: processedOffsets(of: task), deduplicatedStreams: deduplicatedStreams))
            task.checkpointedMarker = marker
        }
        return captures
    }

    /// The next offset to read of every partition `task` owns and has read from.
    func processedOffsets(of task: PipelineTask) -> [InputOffset] {
        var offsets: [InputOffset] = []
        for partition in task.partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
            guard let source = sources.first(where: { $0.topic == partition.topic }),
                  let position = source.position(of: partition.partition) else { continue }
            offsets.append(InputOffset(topic: partition.topic, partition: partition.partition, nextOffset: position))
        }
        return offsets
    }

    func storeSettledCheckpoints() throws {
        for (checkpoint, outcome) in ledger.takeSettled() {
            guard outcome.succeeded else { throw deliveryFailure(outcome) }
            write(checkpoint.snapshots)
            // A failed store is not fatal: positions only move forward, so the next checkpoint's
            // offsets cover this one's.
            do { try store(checkpoint.offsets) } catch {
                incidents.report(kind: "store", "could not store offsets for commit: \(error)")
            }
            deliveredMark = checkpoint.mark
            if incidents.hasOpenProblems { incidents.recovered() }
        }
    }

    /// Queues captured snapshots whose outputs are delivered for writing (`CheckpointWriter`).
    func write(_ snapshots: [TaskCheckpointStore.Capture]) {
        guard let writer = checkpointWriter else { return }
        for capture in snapshots { writer.enqueue(capture) }
    }

    /// Takes in what the writer finished: progress, and each task's newest checkpoint id. A failed
    /// write (disk full...) is reported, not fatal: the previous checkpoint stays valid, it only
    /// means more replay.
    func collectWrittenCheckpoints() {
        guard let writer = checkpointWriter else { return }
        for outcome in writer.takeOutcomes() {
            let checkpoint = outcome.checkpoint
            switch outcome.result {
            case .success(let seconds):
                if let task = tasks.values.first(where: { $0.scope == checkpoint.scope }), (task.lastCheckpointID ?? 0) < checkpoint.id {
                    task.lastCheckpointID = checkpoint.id
                }
                checkpointProgress.written += 1
                checkpointProgress.lastMillis = checkpoint.createdAtMillis
                checkpointProgress.lastBytes = checkpoint.stateBytes
                checkpointProgress.lastSeconds = seconds
                for offset in checkpoint.inputOffsets { checkpointProgress.offsets["\(offset.topic)[\(offset.partition)]"] = offset.nextOffset }
            case .failure(let error):
                incidents.report(kind: "checkpoint", "could not write the checkpoint of \(checkpoint.scope): \(error); the previous checkpoint stays in use")
            }
        }
    }

    /// Waits until every queued checkpoint is on disk, then takes the outcomes in.
    func finishCheckpointWrites() {
        checkpointWriter?.finish()
        collectWrittenCheckpoints()
    }

    /// Stores offsets of partitions still assigned (a revoked partition's offsets belong to its new owner).
    func store(_ offsets: [TopicPartitionOffset]) throws {
        let owned = offsets.filter { assignment.contains($0.topicPartition) }
        guard !owned.isEmpty else { return }
        try consumer.store(owned)
        metrics.lastCommit.set(Double(Self.wallClockMillis()) / 1000)
        progress.withLock { progress in
            for offset in owned { progress.storedOffsets["\(offset.topicPartition)"] = offset.offset }
        }
    }

    func deliveryFailure(_ outcome: DeliveryOutcome) -> KafkaError {
        let first = outcome.failures[0]
        return KafkaError(kind: .delivery, code: first.error.code,
                          message: "\(outcome.failures.count) output message(s) to \(first.topic) were not delivered (\(first.error.message)); their input offsets stay uncommitted and are replayed on restart")
    }

    /// Drains, waits (blocking this thread) for every output so far, stores all released offsets and
    /// writes the pending snapshots; then checkpoints `tasksToCheckpoint` synchronously (their
    /// outputs are all delivered at that point). Used when partitions are revoked and at shutdown.
    func flushAndStore(checkpointing tasksToCheckpoint: [PipelineTask], reopen: Bool = true) throws {
        if transactions != nil {
            // Every transaction checkpoints every active task: a task left out would, after a
            // crash, produce again outputs its transaction already committed.
            if failed { try abortTransaction() } else { try commitTransactionalCheckpoint(reopen: reopen) }
            finishCheckpointWrites()
            return
        }
        try drainActiveTasks()
        let released = releasedOffsets()
        let mark = producer.mark()
        let outcome = try waitForDelivery(through: mark, since: deliveredMark, timeout: configuration.flushTimeout)
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        for checkpoint in ledger.takeAll() {
            write(checkpoint.snapshots)
            try store(checkpoint.offsets)
        }
        try store(released)
        deliveredMark = mark
        write(captureChanged(tasksToCheckpoint))
        finishCheckpointWrites()
    }

    /// Blocks this thread until `mark` is delivered, or fails after `timeout` (brokers still down):
    /// then nothing is stored, and a restart replays from the last commit.
    func waitForDelivery(through mark: DeliveryMark, since: DeliveryMark, timeout: Duration) throws -> DeliveryOutcome {
        guard let outcome = producer.waitForDelivery(through: mark, since: since, timeout: timeout) else {
            throw KafkaError(kind: .timedOut, message: "outputs were not delivered within \(timeout) (are the brokers down?); input offsets stay uncommitted and are replayed on restart")
        }
        return outcome
    }

    /// Flushes, checkpoints every active task (unless the pipeline failed: its state may be ahead
    /// of what was delivered), commits and leaves the group.
    func shutdown(checkpointing: Bool) throws {
        defer { refreshProgress() }
        var failure: (any Error)?
        do { try flushAndStore(checkpointing: checkpointing ? activeTasks : [], reopen: false) } catch { failure = error }
        publishGauges()
        if failure == nil {
            do { try consumer.commit() } catch {
                log("warning: could not commit offsets at shutdown (\(error.description)); a restart replays from the previous commit")
            }
        }
        // Closing revokes the partitions (handled by `handle(.revoked)`, which finds nothing left to do).
        do { try consumer.close() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }
}
