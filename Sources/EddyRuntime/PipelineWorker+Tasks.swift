import EddyEngine
import EddyKafka
import EddyState

/// Assignment: which task owns a partition, restoring tasks from their checkpoints, and where
/// fetching starts. Runs inside `poll` (librdkafka's rebalance callback), on the pipeline thread.
extension PipelineWorker {
    /// The task key of a partition: its number with `.perPartition`, -1 for the single task.
    func taskKey(_ partition: TopicPartition) -> Int32 {
        configuration.taskLayout == .perPartition ? partition.partition : -1
    }

    /// Called just before `partitions` are assigned: makes sure each has a task (reusing a dormant
    /// one, restoring from the newest checkpoint, or cold), and returns where fetching must start:
    /// the checkpoint's offsets for restored partitions, none (the group's committed offset) for
    /// cold ones. Never relies on committed offsets when a checkpoint exists.
    func startOffsets(for partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        let byTask = Dictionary(grouping: partitions, by: taskKey)
        for key in byTask.keys.sorted() {
            let owned = byTask[key] ?? []
            do {
                let task = try activate(key: key, partitions: owned)
                task.partitions.formUnion(owned)
                // With a state directory the task's positions are what its state reflects; without
                // one, fetching starts at the committed offset and `alreadyProcessed` skips the rest.
                guard checkpoints != nil else { continue }
                for partition in owned {
                    if let position = sources.first(where: { $0.topic == partition.topic })?.position(of: partition.partition) {
                        offsets[partition] = position
                    }
                }
            } catch {
                if callbackFailure == nil { callbackFailure = error }
            }
        }
        return offsets
    }

    /// The task for `key`: the active or dormant one in memory when it is still current, else one
    /// restored from the state directory, else a cold one.
    private func activate(key: Int32, partitions: [TopicPartition]) throws -> PipelineTask {
        let partition: Int32? = key >= 0 ? key : nil
        let scope = PipelineTask.scope(topology: topology.name, partition: partition)
        if let existing = tasks[key] {
            // A dormant task is stale if another instance wrote a newer checkpoint of its scope.
            let current = existing.lastCheckpointID
            let newest = checkpoints?.newestID(scope: scope)
            if !existing.partitions.isEmpty || newest == nil || newest == current { return existing }
            retire(existing)
        }
        let engine = try freshEngine()
        let task = PipelineTask(partition: partition, engine: engine, scope: scope,
                                stateBytes: metrics.stateBytes(task: partition.map(String.init) ?? "single"),
                                deduplicators: deduplicatedStreams.count)
        for source in sources {
            for owned in partitions where owned.topic == source.topic { source.forget(partition: owned.partition) }
        }
        if let checkpoints {
            let clock = ContinuousClock()
            let started = clock.now
            if let checkpoint = try checkpoints.loadNewest(scope: scope, log: log) {
                task.nextCheckpointID = checkpoint.id + 1
                task.lastCheckpointID = checkpoint.id
                if let reason = cannotRestore(checkpoint, into: partitions) {
                    log("info: \(scope) starts without its checkpoint \(checkpoint.id): \(reason); reading from the group's committed offsets")
                } else {
                    try restore(task, from: checkpoint)
                    let seconds = TaskCheckpointStore.seconds(clock.now - started)
                    metrics.restoreDuration.observe(seconds)
                    checkpointProgress.restored += 1
                    checkpointProgress.lastRestoreSeconds = seconds
                    let positions = checkpoint.inputOffsets.map(\.description).joined(separator: ", ")
                    log("info: restored \(scope) from checkpoint \(checkpoint.id) (\(checkpoint.stateBytes) bytes) in \(Int((seconds * 1000).rounded())) ms; reading from \(positions.isEmpty ? "the committed offsets" : positions)")
                }
            }
        }
        task.engine.advanceProcessingTime(to: Self.wallClockMillis())
        if let publishing = configuration.partialPublishing, let partition {
            task.publisher = TaskPartialPublisher(settings: publishing, task: Int(partition), now: Self.wallClockMillis(),
                                                  records: task.engine.statistics.recordsIn)
        }
        tasks[key] = task
        return task
    }

    /// Why `checkpoint` cannot be restored by a task owning `partitions`, or nil when it can. A task
    /// of a `.single` layout must own every partition its checkpoint covers: with only some of them,
    /// its state would mix in partitions another instance now processes.
    private func cannotRestore(_ checkpoint: Checkpoint, into partitions: [TopicPartition]) -> String? {
        let owned = Set(partitions)
        let missing = checkpoint.inputOffsets.filter { !owned.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
        guard !missing.isEmpty else { return nil }
        return "it covers \(missing.map { "\($0.topic)[\($0.partition)]" }.joined(separator: ", ")), which this instance was not assigned"
    }

    private func restore(_ task: PipelineTask, from checkpoint: Checkpoint) throws {
        guard let state = checkpoint.state(named: TaskCheckpointStore.engineState) else {
            throw CheckpointError(kind: .corrupt, message: "checkpoint \(checkpoint.id) of \(checkpoint.scope) holds no engine state")
        }
        do {
            try task.engine.restore(from: state)
        } catch {
            throw CheckpointError(kind: .corrupt, message: "cannot restore \(checkpoint.scope) from checkpoint \(checkpoint.id): \(error)")
        }
        for (slot, stream) in deduplicatedStreams.enumerated() {
            // A checkpoint written before the source was repartitioned has none: nothing to skip yet.
            guard let bytes = checkpoint.state(named: TaskCheckpointStore.deduplicatorState(stream: stream)) else { continue }
            do {
                try task.deduplicators[slot].restore(from: bytes)
            } catch {
                throw CheckpointError(kind: .corrupt, message: "cannot restore \(checkpoint.scope)'s upstream positions of \(stream) from checkpoint \(checkpoint.id): \(error)")
            }
        }
        // The downtime must not make the restored partitions look idle (their watermark would jump).
        task.engine.resumeProcessingTime(at: Self.wallClockMillis())
        for offset in checkpoint.inputOffsets {
            sources.first { $0.topic == offset.topic }?.resume(partition: offset.partition, at: offset.nextOffset)
        }
        task.counted = task.engine.statistics
        task.checkpointedMarker = task.changeMarker
    }

    private func freshEngine() throws -> Engine {
        let engine: Engine
        if let spare = spareEngine {
            spareEngine = nil
            engine = spare
        } else {
            engine = try makeEngine()
        }
        // Processing time is the wall clock here, so a rowtime far ahead of it is an error (max_future_skew).
        engine.checksFutureRowtimes = true
        if configuration.taskLayout == .perPartition, let publishing = configuration.partialPublishing {
            for pump in publishing.pumps { try engine.enablePartialMode(pump: pump) }
        }
        engine.advanceProcessingTime(to: Self.wallClockMillis())
        return engine
    }

    /// Drops a task from memory, after counting what it processed.
    func retire(_ task: PipelineTask) {
        account(task)
        task.stateBytes?.set(Int64(0))
        tasks[task.partition ?? -1] = nil
    }

    // MARK: Rebalance events (after the assignment took effect / before the revocation does)

    func handle(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let partitions):
            let revoked = Set(partitions)
            let affected = activeTasks.filter { !$0.partitions.isDisjoint(with: revoked) }
            do {
                try flushAndStore(checkpointing: failed ? [] : affected)
                // Works on real brokers; the embedded cluster rejects commits during a rebalance,
                // which the periodic auto-commit of stored offsets covers.
                try? consumer.commit()
            } catch {
                incidents.report(kind: "revoke", "could not flush before a rebalance: \(error)")
            }
            assignment.subtract(partitions)
            for task in affected { task.partitions.subtract(revoked) }
        case .assigned(let partitions):
            assignment.formUnion(partitions)
            // Windows of a task's partitions that are fetched first must not fire before the others
            // delivered data (`expectPartitions`).
            for task in tasks.values {
                for source in sources {
                    let owned = partitions.filter { $0.topic == source.topic && task.partitions.contains($0) }.map(\.partition)
                    if !owned.isEmpty { task.engine.expectPartitions(source: source.source, partitions: owned) }
                }
            }
            if paused { try? consumer.pause(partitions) }
            // With a state directory, a task that did not get partitions back lives on in its
            // checkpoint (its new owner restores it); keeping it in memory would only grow.
            if checkpoints != nil {
                for task in Array(tasks.values) where task.partitions.isEmpty { retire(task) }
            }
        }
        rebuildRouting()
        let assigned = assignment.count
        progress.withLock { $0.assignedPartitions = assigned }
        refreshProgress()
    }

    /// Recomputes `taskByPartition` from the active tasks.
    private func rebuildRouting() {
        var routing = ContiguousArray<PipelineTask?>()
        for task in tasks.values {
            for partition in task.partitions {
                let index = Int(partition.partition)
                if index >= routing.count { routing.append(contentsOf: repeatElement(nil, count: index - routing.count + 1)) }
                routing[index] = task
            }
        }
        taskByPartition = routing
    }
}
