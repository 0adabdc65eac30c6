internal import CRdKafka
import Dispatch
import Synchronization

/// A change in the partitions this consumer owns, delivered on the polling thread, inside `poll`.
public enum RebalanceEvent: Sendable, Hashable {
    /// Partitions now owned; fetching starts after the handler returns, at the offsets the
    /// consumer's `startOffsets` chose (else the committed offsets).
    case assigned([TopicPartition])
    /// Partitions about to be taken away. The handler runs *before* they are released: finish their
    /// in-flight work, await output delivery and commit their offsets here, or they are replayed elsewhere.
    ///
    /// A commit here works on real brokers (Kafka accepts commits while a rebalance is being prepared),
    /// but librdkafka's embedded mock cluster rejects it with "Group rebalance in progress" (measured).
    /// So also commit at regular checkpoints: then a rebalance replays at most one checkpoint interval.
    case revoked([TopicPartition])
}

/// Chooses where newly assigned partitions start fetching, called on the polling thread inside
/// `poll` just before they are assigned (before `.assigned` is delivered). Return the next offset to
/// read for the partitions that must start at a known position (e.g. a restored checkpoint's);
/// partitions left out start at the group's committed offset (or `auto.offset.reset`).
public typealias AssignmentStartOffsets = @Sendable (_ assigned: [TopicPartition]) -> [TopicPartition: Int64]

/// Where a consumer group without a committed offset starts reading.
public enum StartPosition: String, Sendable {
    case earliest, latest
}

/// A consumer-group member.
///
/// ## Delivery guarantee
/// `enable.auto.offset.store=false` is forced: offsets are stored only when the caller says a record
/// is done (`store(_:)` / `storeProcessed(_:)`), and librdkafka's periodic auto-commit and `commit()`
/// only ever commit stored offsets. So no offset is committed for a record the caller hasn't finished
/// (at-least-once). Set `enable.auto.commit=false` to commit only through `commit()`.
///
/// ## Threads
/// `poll` blocks for at most its timeout and must run off Swift's cooperative pool: on a dedicated
/// thread (the runtime's consumer loop) or through `records()`, which polls on this consumer's own
/// dispatch queue. One poller at a time. Rebalance events are delivered on the polling thread.
///
/// ## The runtime's consumer loop (sketch)
/// `KafkaConsumerLoop` runs the `while` below on its own thread and calls you with each batch;
/// written out by hand it is:
/// ```
/// let consumer = try KafkaConsumer(configuration: conf, groupID: "app", onRebalance: { event in
///     switch event {
///     case .assigned(let parts): restoreState(parts)            // then optionally consumer.seek(...)
///     case .revoked(let parts): checkpoint(parts)               // await producer delivery, store, commit
///     }
/// })
/// try consumer.subscribe(topics: ["reviews"])
/// while running {                                                // on a dedicated Thread
///     try consumer.poll(maxMessages: 4096, timeout: .milliseconds(100)) { batch in
///         for message in batch { decode(message.value) }        // bytes borrowed, not copied
///         pendingOffsets.append(contentsOf: batch.nextOffsets())
///     }
///     if checkpointDue {                                        // at-least-once:
///         let mark = producer.mark()                            // outputs of everything polled so far
///         let outcome = producer.waitForDelivery(through: mark, since: lastMark)   // blocks this thread
///         if outcome.succeeded { try consumer.store(pendingOffsets); try consumer.commit(); lastMark = mark }
///         else { /* don't commit; fail or retry: a restart replays from the last commit */ }
///     }
/// }
/// ```
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe, and the one piece of Swift-side mutable
/// memory (`slots`, the reused batch buffer) is guarded by the single-poller check in `beginPoll`.
public final class KafkaConsumer: @unchecked Sendable {
    let client: KafkaClient
    private let queue: OpaquePointer
    private let callbacks: ConsumerCallbacks
    private let pollQueue = DispatchQueue(label: "eddy.kafka.consumer-poll")
    private let state = Mutex(ConsumerState())
    /// Reused across polls so polling allocates nothing per batch.
    private let slots: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?>

    private struct ConsumerState {
        var polling = false
        var closed = false
    }

    /// Defaults applied before the caller's properties (which may override all but the offset store).
    public static let defaultProperties: [(String, String)] = [
        ("enable.partition.eof", "false"),
    ]

    /// - Parameters:
    ///   - groupID: the consumer group (`group.id`).
    ///   - startPosition: `auto.offset.reset` when the group has no committed offset.
    ///   - maxBatch: the largest batch `poll` hands out.
    ///   - onRebalance: called on the polling thread for every assignment change.
    ///   - onError: non-fatal client errors (broker down, unknown topic...), on the polling thread.
    ///     Fatal errors are thrown from `poll` instead.
    ///   - startOffsets: where assigned partitions start fetching (see `AssignmentStartOffsets`);
    ///     nil starts every partition at the group's committed offset.
    public init(
        configuration: KafkaConfiguration, groupID: String, startPosition: StartPosition = .earliest,
        maxBatch: Int = 4096,
        onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        startOffsets: AssignmentStartOffsets? = nil
    ) throws(KafkaError) {
        var merged = KafkaConfiguration(properties: Self.defaultProperties)
        merged.set("group.id", groupID)
        merged.set("auto.offset.reset", startPosition.rawValue)
        merged = merged.merging(configuration)
        merged.set("enable.auto.offset.store", "false")
        let callbacks = ConsumerCallbacks(onRebalance: onRebalance, onError: onError, startOffsets: startOffsets)
        let conf = try merged.makeNativeConf()
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        rd_kafka_conf_set_error_cb(conf, consumerErrorCallback)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        let client = try KafkaClient(role: .consumer, conf: conf, retaining: [callbacks])
        rd_kafka_poll_set_consumer(client.handle)
        self.client = client
        self.callbacks = callbacks
        self.queue = rd_kafka_queue_get_consumer(client.handle)
        self.slots = .allocate(capacity: max(1, maxBatch))
        self.slots.initialize(repeating: nil)
    }

    deinit {
        if !state.withLock({ $0.closed }) {
            _ = rd_kafka_consumer_close(client.handle)
        }
        rd_kafka_queue_destroy(queue)
        slots.deallocate()
    }

    /// Asks the cluster for metadata; fails with a one-line `.unreachable` error if no broker answers
    /// (librdkafka itself would retry forever).
    public func checkReachable(timeout: Duration = .seconds(5)) async throws(KafkaError) {
        let client = self.client
        _ = try await BlockingExecutor.run { () throws(KafkaError) in try client.metadata(timeout: timeout) }
    }

    /// One topic's partitions and leaders, asked off the cooperative pool. Fails if it doesn't exist.
    ///
    /// Call it before `assign` to start fetching at once: it makes librdkafka learn the topic's
    /// partition leaders up front. Otherwise a freshly assigned partition may find no leader yet and
    /// retry its first offset lookup only after librdkafka's fixed 500 ms back-off.
    public func describeTopic(_ name: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> TopicMetadata {
        let client = self.client
        let metadata = try await BlockingExecutor.run { () throws(KafkaError) in try client.metadata(topic: name, timeout: timeout) }
        guard let topic = metadata.topics.first(where: { $0.name == name }), topic.error == nil, !topic.partitions.isEmpty else {
            throw KafkaError(kind: .consumer, code: "UNKNOWN_TOPIC_OR_PART", message: "topic '\(name)' does not exist")
        }
        return topic
    }

    /// Joins the group for `topics` (names or `^regex`). Assignment arrives through `onRebalance`.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = PartitionList(capacity: topics.count)
        for topic in topics { list.add(TopicPartition(topic: topic, partition: RD_KAFKA_PARTITION_UA), offset: nil) }
        let err = rd_kafka_subscribe(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "subscribe to \(topics.joined(separator: ","))")
        }
    }

    /// Reads exactly these partitions from these offsets, without group rebalancing (offsets may be
    /// `KafkaOffset.beginning`/`.end`/`.stored`). Call `describeTopic` for each topic first when
    /// start-up latency matters (see there).
    public func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = PartitionList(offsets)
        let err = rd_kafka_assign(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "assign partitions")
        }
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.handle, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "read assignment")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.entries(of: list).map { $0.0.topicPartition }
            .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Waits up to `timeout` for messages and calls `body` with up to `maxBatch` of them, borrowed
    /// (no per-message copy). `body` is called with an empty batch on timeout. Blocking: see the type's
    /// notes on threads. Rebalance and error callbacks run inside this call.
    @discardableResult
    public func poll<R>(timeout: Duration = .milliseconds(100), _ body: (KafkaMessageBatch) throws -> R) throws -> R {
        try beginPoll()
        defer { state.withLock { $0.polling = false } }
        let count = try fill(timeout: timeout)
        defer {
            for index in 0..<count {
                rd_kafka_message_destroy(slots[index])
                slots[index] = nil
            }
        }
        return try body(KafkaMessageBatch(messages: UnsafeBufferPointer(rebasing: slots[0..<count])))
    }

    /// Polls on this consumer's own dispatch queue (off the cooperative pool) and returns owned copies.
    public func pollRecords(timeout: Duration = .milliseconds(100)) async throws -> [KafkaRecord] {
        try await withCheckedThrowingContinuation { continuation in
            pollQueue.async {
                do {
                    let records = try self.poll(timeout: timeout) { batch in batch.map { $0.record() } }
                    continuation.resume(returning: records)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Owned records as an `AsyncSequence`: convenient, one copy per message. It ends when the
    /// consumer is closed or the task is cancelled; fatal errors are thrown.
    public func records(pollTimeout: Duration = .milliseconds(100)) -> KafkaRecordSequence {
        KafkaRecordSequence(consumer: self, pollTimeout: pollTimeout)
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    private func beginPoll() throws(KafkaError) {
        let problem: KafkaError? = state.withLock { state in
            if state.closed { return KafkaError.closed("the consumer") }
            if state.polling {
                return KafkaError(kind: .consumer, message: "KafkaConsumer.poll was called from two threads at once; poll from one thread")
            }
            state.polling = true
            return nil
        }
        if let problem { throw problem }
    }

    /// Fills `slots` with data messages; error messages go to `onError` (or are thrown when fatal).
    private func fill(timeout: Duration) throws(KafkaError) -> Int {
        let capacity = slots.count
        // Take what's already fetched without waiting; only when nothing is ready, block for the first
        // message and then top up. This keeps latency low and batches large under load.
        var count = rd_kafka_consume_batch_queue(queue, 0, slots.baseAddress, capacity)
        if count == 0 {
            if let first = rd_kafka_consumer_poll(client.handle, milliseconds(timeout)) {
                slots[0] = first
                count = 1
                if capacity > 1 {
                    let more = rd_kafka_consume_batch_queue(queue, 0, slots.baseAddress! + 1, capacity - 1)
                    if more > 0 { count += more }
                }
            }
        }
        guard count > 0 else { return try checkFatal() }
        // Move error messages out, keeping data messages in order.
        var kept = 0
        for index in 0..<count {
            let message = slots[index]!
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                slots[kept] = message
                kept += 1
            } else {
                let error = describe(errorMessage: message)
                rd_kafka_message_destroy(message)
                callbacks.report(error)
            }
        }
        for index in kept..<count { slots[index] = nil }
        if kept == 0 { return try checkFatal() }
        return kept
    }

    private func checkFatal() throws(KafkaError) -> Int {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(client.handle, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return 0 }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw KafkaError(kind: .consumer, code: String(cString: rd_kafka_err2name(err)), message: "fatal consumer error: \(text)")
    }

    private func describe(errorMessage message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError {
        let text = String(cString: rd_kafka_message_errstr(message))
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        let place = topic.map { " (\($0)[\(message.pointee.partition)])" } ?? ""
        return KafkaError(kind: .consumer, code: String(cString: rd_kafka_err2name(message.pointee.err)), message: "consumer error\(place): \(text)")
    }

    /// Stores offsets (each the *next* offset to read) for the next commit. Call only for work that
    /// is finished, including delivery of its outputs.
    public func store(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList(offsets)
        let err = rd_kafka_offsets_store(client.handle, list.pointer)
        if let error = list.firstError(kind: .consumer, context: "store offset for") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "store offsets")
        }
    }

    /// Marks a message processed: stores `offset + 1` for its partition.
    public func storeProcessed(_ message: KafkaMessage) throws(KafkaError) {
        try store([TopicPartitionOffset(message.topicPartition, offset: message.offset + 1)])
    }

    /// Marks an owned record processed: stores `offset + 1` for its partition.
    public func storeProcessed(_ record: KafkaRecord) throws(KafkaError) {
        try store([TopicPartitionOffset(record.topicPartition, offset: record.offset + 1)])
    }

    /// Synchronously commits every stored offset. Blocking (a broker round trip).
    public func commit() throws(KafkaError) {
        let err = rd_kafka_commit(client.handle, nil, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "commit offsets")
        }
    }

    /// `commit()` off the cooperative pool.
    public func commit() async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.commit() }
    }

    /// The group's committed offsets for `partitions` (nil where none). Blocking.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) throws(KafkaError) -> [TopicPartition: Int64?] {
        let list = PartitionList(partitions)
        let err = rd_kafka_committed(client.handle, list.pointer, milliseconds(timeout))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromResponse(err, kind: .consumer, context: "read committed offsets")
        }
        var result: [TopicPartition: Int64?] = [:]
        for (entry, _) in list.entries { result[entry.topicPartition] = entry.offset >= 0 ? entry.offset : nil }
        return result
    }

    /// Stops fetching these partitions (back pressure) without giving them up.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = PartitionList(partitions)
        let err = rd_kafka_pause_partitions(client.handle, list.pointer)
        if let error = list.firstError(kind: .consumer, context: "pause") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.fromResponse(err, kind: .consumer, context: "pause partitions") }
    }

    /// Resumes fetching paused partitions.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = PartitionList(partitions)
        let err = rd_kafka_resume_partitions(client.handle, list.pointer)
        if let error = list.firstError(kind: .consumer, context: "resume") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.fromResponse(err, kind: .consumer, context: "resume partitions") }
    }

    /// Moves the fetch position of assigned partitions (offset = next message to read). Blocking.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(5)) throws(KafkaError) {
        let list = PartitionList(offsets)
        if let error = rd_kafka_seek_partitions(client.handle, list.pointer, milliseconds(timeout)) {
            throw KafkaError.consuming(error, kind: .consumer, context: "seek")
        }
        if let error = list.firstError(kind: .consumer, context: "seek") { throw error }
    }

    /// The next offset this consumer will hand out for `partition` (the last one returned + 1), or
    /// nil before it returned any. No network round trip. It also moves past what the application
    /// never sees (transaction control records, aborted records under read_committed), so "position
    /// reached the end offset" is the way to tell a partition was read to its end.
    public func position(_ partition: TopicPartition) throws(KafkaError) -> Int64? {
        let list = PartitionList([partition])
        let err = rd_kafka_position(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.fromResponse(err, kind: .consumer, context: "position of \(partition)") }
        return list.entries.first.flatMap { $0.0.offset >= 0 ? $0.0.offset : nil }
    }

    /// Low/high watermarks of a partition, asked of its leader. Blocking.
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(5)) throws(KafkaError) -> Watermarks {
        try client.watermarks(topic: topic, partition: partition, timeout: timeout)
    }

    /// Watermarks as last seen by the fetcher: no network round trip, may be stale or unknown (-1001).
    public func cachedWatermarks(topic: String, partition: Int32) -> Watermarks {
        var low: Int64 = -1001
        var high: Int64 = -1001
        _ = rd_kafka_get_watermark_offsets(client.handle, topic, partition, &low, &high)
        return Watermarks(low: low, high: high)
    }

    /// Committed offset vs. high watermark for `partitions` (default: the current assignment). Blocking.
    public func lag(for partitions: [TopicPartition]? = nil, timeout: Duration = .seconds(5)) throws(KafkaError) -> [PartitionLag] {
        let targets: [TopicPartition]
        if let partitions { targets = partitions } else { targets = try assignment() }
        let committed = try committed(targets, timeout: timeout)
        var result: [PartitionLag] = []
        for target in targets {
            let marks = try watermarks(topic: target.topic, partition: target.partition, timeout: timeout)
            result.append(PartitionLag(topicPartition: target, committed: committed[target] ?? nil, watermarks: marks))
        }
        return result
    }

    /// `committed(_:timeout:)` off the cooperative pool.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) async throws(KafkaError) -> [TopicPartition: Int64?] {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.committed(partitions, timeout: timeout) }
    }

    /// `seek(_:timeout:)` off the cooperative pool.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(5)) async throws(KafkaError) {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.seek(offsets, timeout: timeout) }
    }

    /// `watermarks(topic:partition:timeout:)` off the cooperative pool.
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(5)) async throws(KafkaError) -> Watermarks {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.watermarks(topic: topic, partition: partition, timeout: timeout) }
    }

    /// `lag(for:timeout:)` off the cooperative pool.
    public func lag(for partitions: [TopicPartition]? = nil, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [PartitionLag] {
        try await BlockingExecutor.run { () throws(KafkaError) in try self.lag(for: partitions, timeout: timeout) }
    }

    /// Leaves the group (revoking partitions through `onRebalance` first) and commits stored offsets
    /// when auto-commit is on. Blocking; idempotent. Do not call while another thread polls.
    /// A consumer dropped without `close()` closes itself in `deinit`, blocking whichever thread
    /// releases it, so close explicitly.
    public func close() throws(KafkaError) {
        let alreadyClosed = state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        let err = rd_kafka_consumer_close(client.handle)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.fromResponse(err, kind: .consumer, context: "close consumer") }
    }

    /// `close()` on this consumer's poll queue (after any in-flight `records()` poll), off the cooperative pool.
    public func close() async throws(KafkaError) {
        let result: Result<Void, KafkaError> = await withCheckedContinuation { continuation in
            pollQueue.async {
                continuation.resume(returning: Result { () throws(KafkaError) in try self.close() })
            }
        }
        try result.get()
    }
}
