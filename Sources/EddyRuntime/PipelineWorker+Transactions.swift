import EddyKafka
import EddyState

/// Exactly-once mode: each checkpoint is one Kafka transaction holding the outputs produced since the
/// previous one and the input offsets the snapshot corresponds to.
///
/// Order per checkpoint: drain → snapshot every active task → with a changelog topic, enqueue the
/// snapshots' chunks and commit markers into the transaction (`TransactionalChangelogWriter`) →
/// `send_offsets_to_transaction` with the processed offsets → commit (which flushes outputs and
/// chunks) → with a state directory, write the snapshot files → begin the next transaction. A failed
/// transactional call fails the pipeline (crash-only recovery): the open transaction is aborted (by
/// us, or by the broker / the next `initTransactions` with the same `transactional.id`), and the
/// restart restores the last checkpoint, whose transaction committed.
///
/// With a changelog topic, outputs, input offsets and state commit atomically: nothing is repeated.
/// With a state directory, a crash after the commit and before the snapshot is on disk (the time to
/// write it, a fraction of a second) repeats that transaction's outputs, as effectively-once does.
extension PipelineWorker {
    /// The changelog writer when snapshots travel inside the transactions.
    var transactionalChangelog: TransactionalChangelogWriter? {
        (checkpoints?.backend as? ChangelogCheckpointBackend)?.transactionalWriter
    }

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
        let changelog = transactionalChangelog
        if let changelog {
            transactionContents.snapshots = try changelog.enqueue(captures, producer: producer)
        }
        // Offsets already committed by an earlier transaction are not sent again (two round trips).
        let sendsOffsets = !offsets.isEmpty && offsets != transactionContents.committedOffsets
        if sendsOffsets { try transactions.sendOffsetsToTransaction(offsets, groupMetadata: consumer.groupMetadata()) }
        try transactions.commitTransaction()
        transactionOpen = false
        let committed = transactionContents.snapshots
        transactionContents.snapshots = []
        if sendsOffsets { transactionContents.committedOffsets = offsets }
        let mark = producer.mark()
        let outcome = try waitForDelivery(through: mark, since: deliveredMark, timeout: configuration.flushTimeout)
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        deliveredMark = mark
        transactionsCommitted += 1
        if let changelog {
            changelog.didCommit(committed)
            for snapshot in committed {
                checkpointWriter?.recordWritten(snapshot.checkpoint, seconds: checkpoints?.recordCommitted(snapshotSeconds: snapshot.snapshotSeconds) ?? 0)
            }
        } else {
            write(captures)
        }
        if sendsOffsets {
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
    /// Snapshots it carried are voided by abort notices, for readers that see aborted records (the
    /// embedded cluster).
    func abortTransaction() throws {
        guard let transactions, transactionOpen else { return }
        transactionOpen = false
        let aborted = transactionContents.snapshots
        transactionContents.snapshots = []
        try transactions.abortTransaction()
        producer.discardFailures(through: producer.mark())
        guard let changelog = transactionalChangelog, !aborted.isEmpty else { return }
        try changelog.writeAbortNotices(aborted, transactions: transactions)
        log("checkpoint transaction aborted: \(aborted.count) snapshot(s) in changelog topic \(changelog.topic) voided; the restart restores the previous committed one")
    }
}

/// What the open transaction carries besides outputs; only the pipeline thread touches it.
struct TransactionContents {
    /// Snapshots enqueued into it (exactly-once with a changelog topic): settled by its commit, or
    /// voided by abort notices.
    var snapshots: [TransactionalChangelogWriter.Pending] = []
    /// The input offsets the last committed transaction carried.
    var committedOffsets: [TopicPartitionOffset] = []
}
