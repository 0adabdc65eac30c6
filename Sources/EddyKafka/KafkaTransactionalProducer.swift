internal import CRdKafka

/// A producer whose outputs, together with the input offsets they came from, become visible
/// atomically (Kafka transactions, KIP-98): exactly-once consume → process → produce on real clusters.
///
/// ## Protocol (the runtime's checkpoint, per instance)
/// ```
/// let txn = try KafkaTransactionalProducer(configuration: conf, transactionalID: "eddy-<topology>-<instance>")
/// try txn.initTransactions()                      // once; fences older producers with this id
/// try txn.beginTransaction()
/// txn.producer.enqueue(...)                       // outputs and changelog chunks, the usual hot path
/// try txn.sendOffsetsToTransaction(nextOffsets, groupMetadata: try consumer.groupMetadata())
/// try txn.commitTransaction()                     // flushes, then commits outputs + offsets together
/// ```
/// On `.transactionAbortable`: `abortTransaction()`, rewind inputs/state to the last committed
/// checkpoint, begin again. On `.transactionRetriable`: retry the same call. On `.transactionFatal`
/// (fenced: another instance took over this `transactional.id`): drop this producer and stop.
///
/// ## Zombie fencing
/// `initTransactions` bumps the producer epoch for the `transactional.id`, so an older instance with
/// the same id (a "zombie" that was presumed dead) gets a fatal fenced error on its next transactional
/// call. That is why the id must be stable across restarts of the same instance (derive it from the
/// topology and a stable instance name, never from a random value).
///
/// ## Limits of the embedded cluster (librdkafka 2.0.2's mock, measured)
/// - it accepts the whole protocol (init, begin, send offsets, commit, abort);
/// - it does **not** hide aborted records from `isolation.level=read_committed` consumers;
/// - it does **not** store offsets sent with `sendOffsetsToTransaction` (plain consumer commits are stored);
/// - it gives every new producer a fresh producer id at epoch 0, so it fences nothing.
/// So on the embedded cluster the calls can be exercised, but exactly-once can only be proven on a real
/// Kafka cluster. Measured there: `initTransactions` ~1 ms; a producer's first commit ~1 s (it waits
/// for the partition leaders), later commits of one message ~10 ms.
///
/// ## Threads
/// Every transactional call is a network round trip: the synchronous forms block the calling thread
/// (use them on the runtime's dedicated consumer thread); the `async` forms run them on a thread of
/// their own, never on Swift's cooperative pool.
public final class KafkaTransactionalProducer: Sendable {
    /// The underlying producer: enqueue outputs through it between `beginTransaction` and
    /// `commitTransaction`. Its idempotence is forced on (transactions require it).
    public let producer: KafkaProducer
    public let transactionalID: String
    /// How long one transactional call may take before it fails with a retriable timeout.
    public let callTimeout: Duration

    /// - Parameters:
    ///   - transactionalID: stable per instance (see "Zombie fencing"); must not be empty.
    ///   - callTimeout: the limit for each transactional round trip (init, send offsets, commit, abort).
    ///   - onError: as for `KafkaProducer`; a fatal (fencing) error also arrives here.
    public init(
        configuration: KafkaConfiguration, transactionalID: String, callTimeout: Duration = .seconds(30),
        onError: (@Sendable (KafkaError) -> Void)? = nil
    ) throws(KafkaError) {
        guard !transactionalID.isEmpty else {
            throw KafkaError(kind: .configuration, message: "a transactional producer needs a non-empty transactional.id")
        }
        var merged = configuration
        merged.set("transactional.id", transactionalID)
        merged.set("enable.idempotence", "true")
        self.producer = try KafkaProducer(configuration: merged, onError: onError)
        self.transactionalID = transactionalID
        self.callTimeout = callTimeout
    }

    /// Registers this `transactional.id` with the transaction coordinator, fences older producers with
    /// the same id and aborts any transaction they left open. Call once, before the first transaction.
    public func initTransactions() throws(KafkaError) {
        try check(rd_kafka_init_transactions(handle, milliseconds(callTimeout)), "initTransactions")
    }

    /// Starts a transaction (local, no round trip). Everything enqueued from now until commit or abort belongs to it.
    public func beginTransaction() throws(KafkaError) {
        try check(rd_kafka_begin_transaction(handle), "beginTransaction")
    }

    /// Adds input offsets (the *next* offsets to read, as for commits) to the current transaction, so
    /// they are committed for the consumer group if and only if the transaction commits.
    /// Not stored by the embedded cluster (see the type's notes): don't make recovery depend on them there.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList(offsets)
        try check(
            rd_kafka_send_offsets_to_transaction(handle, list.pointer, groupMetadata.pointer, milliseconds(callTimeout)),
            "sendOffsetsToTransaction"
        )
    }

    /// Flushes outstanding messages and commits the transaction. A failed delivery makes this fail
    /// with `.transactionAbortable`.
    public func commitTransaction() throws(KafkaError) {
        try check(rd_kafka_commit_transaction(handle, milliseconds(callTimeout)), "commitTransaction")
    }

    /// Aborts the transaction: its messages are marked aborted (read_committed consumers skip them on a
    /// real cluster) and its offsets are not committed. Its messages still waiting for delivery are
    /// purged: their delivery reports fail (`_PURGE_QUEUE`), which after an abort is expected, not a loss;
    /// clear them with `producer.discardFailures(through: producer.mark())`.
    public func abortTransaction() throws(KafkaError) {
        try check(rd_kafka_abort_transaction(handle, milliseconds(callTimeout)), "abortTransaction")
    }

    public func initTransactions() async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.initTransactions() }
    }

    public func sendOffsetsToTransaction(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata) async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.sendOffsetsToTransaction(offsets, groupMetadata: groupMetadata) }
    }

    public func commitTransaction() async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.commitTransaction() }
    }

    public func abortTransaction() async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.abortTransaction() }
    }

    /// Flushes and stops the underlying producer. An open transaction is aborted by the broker when
    /// it times out (or at once by the next `initTransactions` with this id).
    public func shutdown(timeout: Duration = .seconds(30)) async -> ProducerStatistics {
        await producer.shutdown(timeout: timeout)
    }

    private var handle: OpaquePointer { producer.client.handle }

    private func check(_ error: OpaquePointer?, _ operation: String) throws(KafkaError) {
        guard let error else { return }
        throw KafkaError.consumingTransactional(error, operation: operation, transactionalID: transactionalID)
    }
}
