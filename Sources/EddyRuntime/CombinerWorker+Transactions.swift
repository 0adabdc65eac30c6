import EddyKafka
import EddyState

/// Exactly-once mode of the combiner: each combiner checkpoint is one Kafka transaction holding the
/// combined rows fired since the previous one and the partials offset the snapshot covers, as each
/// task's checkpoint is one (`PipelineWorker+Transactions`), with a producer of its own.
///
/// Order per checkpoint: drain → capture the combiner's state → with a changelog topic, enqueue its
/// chunks and commit marker into the transaction (`TransactionalChangelogWriter`) →
/// `send_offsets_to_transaction` with the partials offset, for group `<group>.combine` → commit →
/// with a state directory, write the snapshot file → begin the next transaction. A failed
/// transactional call fails the combiner (crash-only recovery): the open transaction is aborted, and
/// the restart restores the last committed checkpoint and seeks to its partials offset (never to the
/// group's committed offset: the embedded cluster does not even store it).
///
/// With a changelog topic, rows, partials offset and combiner state commit atomically. With a state
/// directory, a crash after the commit and before the snapshot file is on disk repeats that
/// transaction's rows (the same gap as the tasks').
extension CombinerWorker {
    /// The changelog writer when snapshots travel inside the transactions (shared with the tasks,
    /// whose scopes differ).
    var transactionalChangelog: TransactionalChangelogWriter? {
        (checkpoints?.backend as? ChangelogCheckpointBackend)?.transactionalWriter
    }

    /// Registers the `transactional.id` (fencing an older producer with it, and aborting what that
    /// one left open) and opens the first transaction.
    func beginTransactions() throws {
        guard let transactions else { return }
        try transactions.initTransactions()
        try transactions.beginTransaction()
        transaction.open = true
    }

    /// Commits the open transaction with a checkpoint of the combiner, when it holds something (a
    /// moved partials offset or combined rows) or when it is the last (`reopen` false). On revoke,
    /// at shutdown and every checkpoint interval.
    func commitTransactionalCheckpoint(reopen: Bool) throws {
        guard let transactions, transaction.open else { return }
        try drain()
        let capture = capture()
        guard capture != nil || transaction.rows > 0 || !reopen else { return }
        let offsets = capture?.checkpoint.inputOffsets.map {
            TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
        } ?? []
        let changelog = transactionalChangelog
        if let changelog, let capture {
            transaction.snapshots = try changelog.enqueue([capture], producer: producer)
        }
        if !offsets.isEmpty { try transactions.sendOffsetsToTransaction(offsets, groupMetadata: consumer.groupMetadata()) }
        try transactions.commitTransaction()
        transaction.open = false
        let committed = transaction.snapshots
        transaction.snapshots = []
        // The commit flushed everything; a failed delivery would have failed it, so this only confirms.
        let mark = producer.mark()
        guard let outcome = producer.waitForDelivery(through: mark, since: lastMark, timeout: configuration.flushTimeout) else {
            throw KafkaError(kind: .timedOut, message: "the combiner's committed transaction was not acknowledged within \(configuration.flushTimeout)")
        }
        guard outcome.succeeded else { throw deliveryFailure(outcome) }
        lastMark = mark
        counts.transactionsCommitted += 1
        counts.rowsCommitted += transaction.rows
        transaction.rows = 0
        transactionCounters?.committed.increment()
        if let changelog {
            changelog.didCommit(committed)
            for snapshot in committed {
                checkpoints?.recordCommitted(snapshotSeconds: snapshot.snapshotSeconds)
                counts.checkpointsWritten += 1
            }
        } else if let capture {
            save(capture)
        }
        if reopen {
            try transactions.beginTransaction()
            transaction.open = true
        }
    }

    /// At the end of the run: commits the open transaction with a final checkpoint, or, after a
    /// failure (or when that commit fails), aborts it.
    func endTransactions(committing: Bool) throws {
        guard committing else { return try abortTransaction() }
        do {
            try commitTransactionalCheckpoint(reopen: false)
        } catch {
            do { try abortTransaction() } catch {
                log("warning: could not abort the combiner's transaction (\(error)); the broker aborts it when it times out, or the restart's initTransactions does")
            }
            throw error
        }
    }

    /// Aborts the open transaction: read_committed consumers of a real cluster never see its combined
    /// rows, and the restart produces them again from the last committed checkpoint. A snapshot it
    /// carried is voided by an abort notice, for readers that see aborted records (the embedded cluster).
    func abortTransaction() throws {
        guard let transactions, transaction.open else { return }
        transaction.open = false
        let aborted = transaction.snapshots
        let rows = transaction.rows
        transaction.snapshots = []
        transaction.rows = 0
        try transactions.abortTransaction()
        producer.discardFailures(through: producer.mark())
        counts.transactionsAborted += 1
        transactionCounters?.aborted.increment()
        log("combiner transaction aborted (transactional.id \(transactions.transactionalID)): \(rows) combined row(s) discarded; the restart restores the combiner's last committed checkpoint")
        guard let changelog = transactionalChangelog, !aborted.isEmpty else { return }
        try changelog.writeAbortNotices(aborted, transactions: transactions)
    }
}

/// What the combiner's open transaction holds; only the combiner thread touches it.
struct CombinerTransaction {
    /// Whether a transaction is open (between begin and commit or abort).
    var open = false
    /// Combined rows produced into it.
    var rows = 0
    /// Its combiner snapshot (with a changelog topic): settled by its commit, or voided by an abort notice.
    var snapshots: [TransactionalChangelogWriter.Pending] = []
}
