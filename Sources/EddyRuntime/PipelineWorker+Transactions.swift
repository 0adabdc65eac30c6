import EddyKafka
import EddyState

/// Exactly-once mode: each checkpoint is one Kafka transaction holding the outputs produced since the
/// previous one and the input offsets the snapshot corresponds to.
///
/// Order per checkpoint: drain → snapshot every active task → `send_offsets_to_transaction` with the
/// processed offsets → commit (which flushes the outputs) → write the snapshots → begin the next
/// transaction. A failed transactional call fails the pipeline (crash-only recovery): the open
/// transaction is aborted (by us, or by the broker / the next `initTransactions` with the same
/// `transactional.id`), and the restart restores the last checkpoint, whose transaction committed.
/// The one window where this is not exactly-once: a crash after the commit and before the snapshot
/// is on disk (the time to write it, a fraction of a second) repeats that transaction's outputs, as
/// effectively-once does. Closing it needs the snapshot inside the transaction (a changelog topic).
extension PipelineWorker {
    func beginTransactions() throws {
        guard let transactions else { return }
        try transactions.initTransactions()
        try transactions.beginTransaction()
        transactionOpen = true
    }

    func commitTransactionalCheckpoint(reopen: Bool) throws {
        guard let transactions, transactionOpen else { return }
        try drainActiveTasks()
        let active = activeTasks
        let captures = captureChanged(active)
        var offsets: [TopicPartitionOffset] = []
        for task in active {
            for offset in processedOffsets(of: task) {
                offsets.append(TopicPartitionOffset(topic: offset.topic, partition: offset.partition, offset: offset.nextOffset))
            }
        }
        if !offsets.isEmpty { try transactions.sendOffsetsToTransaction(offsets, groupMetadata: consumer.groupMetadata()) }
        transactionOpen = false
        try transactions.commitTransaction()
        let mark = producer.mark()
        let outcome = try waitForDelivery(through: mark, since: deliveredMark, timeout: configuration.flushTimeout)
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        deliveredMark = mark
        transactionsCommitted += 1
        write(captures)
        if !offsets.isEmpty {
            metrics.lastCommit.set(Double(Self.wallClockMillis()) / 1000)
            progress.withLock { progress in
                for offset in offsets { progress.storedOffsets["\(offset.topicPartition)"] = offset.offset }
            }
        }
        if reopen {
            try transactions.beginTransaction()
            transactionOpen = true
        }
    }

    /// Aborts the open transaction after a failure; its outputs are discarded by read_committed
    /// consumers on a real cluster, and the restart produces them again from the last checkpoint.
    func abortTransaction() throws {
        guard let transactions, transactionOpen else { return }
        transactionOpen = false
        try transactions.abortTransaction()
        producer.discardFailures(through: producer.mark())
    }
}
