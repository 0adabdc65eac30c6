import EddyEngine
import EddyKafka

/// Gauges and the progress snapshot, refreshed every commit interval and at shutdown.
extension PipelineWorker {
    func publishGauges() {
        for partition in assignment {
            guard let source = sources.first(where: { $0.topic == partition.topic }),
                  let position = source.position(of: partition.partition) else { continue }
            let marks = consumer.cachedWatermarks(topic: partition.topic, partition: partition.partition)
            if marks.high >= 0 { source.lagGauge(partition.partition).set(max(0, marks.high - position)) }
        }
        let now = Self.wallClockMillis()
        let active = activeTasks
        // The stream's watermark is the slowest task's: every task's windows up to it have fired.
        let watermarks = active.map(\.engine.watermark).filter { $0 > Int64.min / 2 }
        if let slowest = watermarks.min() { watermarkGauge.set(Double(now - slowest) / 1000) }
        for task in active {
            for source in sources {
                for (partition, watermark) in task.engine.partitionWatermarks(source: source.source)
                where watermark > Int64.min / 2 && task.partitions.contains(TopicPartition(topic: source.topic, partition: partition)) {
                    source.watermarkDelayGauge(partition)?.set(Double(now - watermark) / 1000)
                }
            }
            task.stateBytes?.set(Int64(task.engine.stateSizeEstimate))
            for (pump, keys) in task.engine.evictedStateKeysByPump where keys > task.countedEvictions[pump, default: 0] {
                metrics.stateEvictedKeys(pump: pump).increment(by: UInt64(keys - task.countedEvictions[pump, default: 0]))
                task.countedEvictions[pump] = keys
            }
        }
        refreshProgress()
    }

    /// Adds what `task` processed since it was last counted to the instance's totals and counters.
    func account(_ task: PipelineTask) {
        let now = task.engine.statistics
        let before = task.counted
        let errors = max(0, now.errors - before.errors)
        let late = max(0, now.lateRows - before.lateRows)
        totals.recordsIn += max(0, now.recordsIn - before.recordsIn)
        totals.errors += errors
        totals.lateRows += late
        if errors > 0 { errorCounter.increment(by: UInt64(errors)) }
        if late > 0 { lateCounter.increment(by: UInt64(late)) }
        task.counted = now
    }

    func refreshProgress() {
        for task in tasks.values { account(task) }
        let totals = self.totals
        let produced = producer.statistics
        let paused = self.paused
        let pauses = self.pauses
        let checkpoints = checkpointProgress
        let transactions = transactionsCommitted
        let active = tasks.values.filter { !$0.partitions.isEmpty }.count
        progress.withLock { progress in
            progress.pauses = pauses
            progress.recordsIn = totals.recordsIn
            progress.errors = totals.errors
            progress.lateRows = totals.lateRows
            progress.duplicatesSkipped = totals.duplicatesSkipped
            progress.rowsProduced = produced.enqueued
            progress.rowsDelivered = produced.delivered
            progress.paused = paused
            progress.activeTasks = active
            progress.checkpointsWritten = checkpoints.written
            progress.lastCheckpointMillis = checkpoints.lastMillis
            progress.lastCheckpointBytes = checkpoints.lastBytes
            progress.lastCheckpointSeconds = checkpoints.lastSeconds
            progress.restoredTasks = checkpoints.restored
            progress.lastRestoreSeconds = checkpoints.lastRestoreSeconds
            progress.checkpointOffsets = checkpoints.offsets
            progress.transactionsCommitted = transactions
        }
    }
}
