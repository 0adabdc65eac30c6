internal import CRdKafka
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends messages to Kafka and tracks their delivery reports.
///
/// - Idempotence is on by default (`enable.idempotence=true`, set before user properties so
///   `-X enable.idempotence=false` still wins): retries never duplicate or reorder messages.
/// - Delivery reports are served by a dedicated poll loop on its own thread, never on the
///   Swift cooperative pool. Each enqueued message gets a sequence number.
/// - Await one message with `send(_:)`, a batch with `send(batch:)`, or everything enqueued before
///   a point with `mark()` + `awaitDelivery(through:since:)`.
/// - `shutdown()` flushes outstanding messages; dropping the producer also flushes (up to 30 s).
///
/// ## At-least-once for the streaming runtime
/// The runtime enqueues outputs with `enqueue(...)` from its processing thread, and at a checkpoint:
/// 1. `let mark = producer.mark()`;
/// 2. `let outcome = await producer.awaitDelivery(through: mark, since: lastMark)`;
/// 3. only if `outcome.succeeded`, `consumer.storeOffsets(...)` + `consumer.commit()` for the inputs that
///    produced those outputs. On failure, don't commit: a restart replays from the last commit.
public final class KafkaProducer: Sendable {
    let client: KafkaClient
    private let deliveries: DeliveryState
    private let loop: ProducerPollLoop

    /// Defaults applied before the caller's properties.
    public static let defaultProperties: [(String, String)] = [
        ("enable.idempotence", "true"),
    ]

    /// - Parameter onError: client-level errors (all brokers down, authentication...), called on the
    ///   poll-loop thread. Undelivered messages are reported through delivery reports regardless.
    ///   Without a handler they are printed to stderr.
    public init(configuration: KafkaConfiguration, onError: (@Sendable (KafkaError) -> Void)? = nil) throws(KafkaError) {
        let deliveries = DeliveryState(onError: onError)
        let merged = KafkaConfiguration(properties: Self.defaultProperties).merging(configuration)
        let conf = try merged.makeNativeConf()
        rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        rd_kafka_conf_set_error_cb(conf, producerErrorCallback)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(deliveries).toOpaque())
        let client = try KafkaClient(role: .producer, conf: conf, retaining: [deliveries])
        self.client = client
        self.deliveries = deliveries
        self.loop = ProducerPollLoop(client: client)
    }

    deinit {
        loop.requestStop()
    }

    /// Asks the cluster for metadata; fails with a one-line `.unreachable` error if no broker answers.
    public func checkReachable(timeout: Duration = .seconds(5)) async throws(KafkaError) {
        let client = self.client
        _ = try await BlockingExecutor.run { () throws(KafkaError) in try client.metadata(timeout: timeout) }
    }

    /// Cluster metadata (all topics), asked off the cooperative pool.
    public func metadata(timeout: Duration = .seconds(5)) async throws(KafkaError) -> ClusterMetadata {
        let client = self.client
        return try await BlockingExecutor.run { () throws(KafkaError) in try client.metadata(timeout: timeout) }
    }

    /// Enqueues one message without waiting for delivery; returns its sequence number.
    ///
    /// Bytes are copied by librdkafka, so the buffers only need to live for the call: this is the
    /// hot path for the runtime (no per-record Swift allocation when `headers` is empty).
    /// With `blockWhenFull`, waits (sleeping this thread) while librdkafka's queue is full; use that
    /// only on a dedicated thread. Otherwise a full queue throws `.queueFull`.
    @discardableResult
    public func enqueue(
        topic: String, partition: Int32? = nil, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer,
        headers: [KafkaHeader] = [], timestampMillis: Int64? = nil, blockWhenFull: Bool = false
    ) throws(KafkaError) -> UInt64 {
        while true {
            let sequence = deliveries.reserve()
            if let error = produce(topic: topic, partition: partition, key: key, value: value, headers: headers,
                                   timestampMillis: timestampMillis, sequence: sequence) {
                deliveries.cancel(sequence)
                if error.kind == .queueFull && blockWhenFull {
                    usleep(500)
                    continue
                }
                throw error
            }
            return sequence
        }
    }

    /// Enqueues an owned record. See `enqueue(topic:partition:key:value:...)`.
    @discardableResult
    public func enqueue(_ record: ProducerRecord, blockWhenFull: Bool = false) throws(KafkaError) -> UInt64 {
        while true {
            let sequence = deliveries.reserve()
            let failure = record.withBuffers { key, value in
                produce(topic: record.topic, partition: record.partition, key: key, value: value,
                        headers: record.headers, timestampMillis: record.timestampMillis, sequence: sequence)
            }
            guard let failure else { return sequence }
            deliveries.cancel(sequence)
            if failure.kind == .queueFull && blockWhenFull {
                usleep(500)
                continue
            }
            throw failure
        }
    }

    /// Sends one message and waits for its delivery report. A full local queue is waited out.
    public func send(_ record: ProducerRecord) async throws -> DeliveryReport {
        while true {
            do {
                return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DeliveryReport, any Error>) in
                    // Registered before librdkafka sees the message, so no report can arrive unobserved.
                    let sequence = deliveries.reserve(registering: continuation)
                    let error = record.withBuffers { key, value in
                        produce(topic: record.topic, partition: record.partition, key: key, value: value,
                                headers: record.headers, timestampMillis: record.timestampMillis, sequence: sequence)
                    }
                    if let error {
                        deliveries.cancel(sequence)
                        continuation.resume(throwing: error)
                    }
                }
            } catch let error as KafkaError where error.kind == .queueFull {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    /// Sends many messages and waits until all of them have reports. Enqueueing waits out a full
    /// local queue. The outcome lists each failed message (by sequence number).
    public func send(batch records: some Sequence<ProducerRecord>) async throws -> DeliveryOutcome {
        let since = mark()
        for record in records {
            try await enqueueWaitingForSpace(record)
        }
        return await awaitDelivery(through: mark(), since: since)
    }

    /// Enqueues, sleeping this task (not a thread) while librdkafka's queue is full.
    @discardableResult
    public func enqueueWaitingForSpace(_ record: ProducerRecord) async throws -> UInt64 {
        while true {
            let result: Result<UInt64, KafkaError> = Result { () throws(KafkaError) in try enqueue(record) }
            switch result {
            case .success(let sequence):
                return sequence
            case .failure(let error) where error.kind == .queueFull:
                try await Task.sleep(for: .milliseconds(1))
            case .failure(let error):
                throw error
            }
        }
    }

    /// The position after every message enqueued so far.
    public func mark() -> DeliveryMark { deliveries.mark() }

    /// Waits until every message up to `mark` has a report; returns failures in `(since, mark]`.
    public func awaitDelivery(through mark: DeliveryMark, since: DeliveryMark = .start) async -> DeliveryOutcome {
        await withCheckedContinuation { continuation in
            deliveries.awaitMark(mark, since: since) { continuation.resume(returning: $0) }
        }
    }

    /// `awaitDelivery` for a dedicated thread (the runtime's consumer loop): blocks the calling thread.
    /// Never call it on the Swift cooperative pool.
    public func waitForDelivery(through mark: DeliveryMark, since: DeliveryMark = .start) -> DeliveryOutcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<DeliveryOutcome?>(nil)
        deliveries.awaitMark(mark, since: since) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Forgets recorded failures at or below `mark` (they are kept until then so any waiter can see them).
    public func discardFailures(through mark: DeliveryMark) { deliveries.discardFailures(through: mark) }

    /// Waits for every message enqueued so far. Throws the first failure, if any.
    public func flush() async throws(KafkaError) {
        let outcome = await awaitDelivery(through: mark())
        if let first = outcome.failures.first {
            throw KafkaError(kind: .delivery, code: first.error.code,
                             message: "\(outcome.failures.count) message(s) were not delivered; first: \(first.error.message)")
        }
    }

    public var statistics: ProducerStatistics { deliveries.statistics }

    /// Stops the poll loop after flushing (waiting at most `timeout`), and returns the final counts.
    /// Messages still undelivered then count as failed (and their waiters get the error).
    public func shutdown(timeout: Duration = .seconds(30)) async -> ProducerStatistics {
        await loop.stop(flushTimeout: timeout)
        deliveries.abandonPending(KafkaError(
            kind: .delivery, message: "not delivered within the \(timeout) shutdown flush; check that the brokers are reachable"
        ))
        return statistics
    }

    /// Hands one message to librdkafka. Returns nil on success.
    private func produce(
        topic: String, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer,
        headers: [KafkaHeader], timestampMillis: Int64?, sequence: UInt64
    ) -> KafkaError? {
        topic.withCString { topicName in
            // Stack scratch for librdkafka's argument list: no heap allocation per message.
            withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { values in
                values.initialize(repeating: rd_kafka_vu_t())
                var count = 0
                values[count].vtype = RD_KAFKA_VTYPE_TOPIC
                values[count].u.cstr = topicName
                count += 1
                values[count].vtype = RD_KAFKA_VTYPE_VALUE
                values[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                values[count].u.mem.size = value.count
                count += 1
                if let key {
                    values[count].vtype = RD_KAFKA_VTYPE_KEY
                    values[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    values[count].u.mem.size = key.count
                    count += 1
                }
                values[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                values[count].u.i = RD_KAFKA_MSG_F_COPY
                count += 1
                values[count].vtype = RD_KAFKA_VTYPE_OPAQUE
                values[count].u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(sequence))
                count += 1
                if let partition {
                    values[count].vtype = RD_KAFKA_VTYPE_PARTITION
                    values[count].u.i32 = partition
                    count += 1
                }
                if let timestampMillis {
                    values[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                    values[count].u.i64 = timestampMillis
                    count += 1
                }
                var nativeHeaders: OpaquePointer?
                if !headers.isEmpty {
                    let list = rd_kafka_headers_new(headers.count)!
                    for header in headers {
                        if let bytes = header.value {
                            bytes.withUnsafeBytes { buffer in
                                _ = rd_kafka_header_add(list, header.key, -1, buffer.baseAddress, buffer.count)
                            }
                        } else {
                            _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
                        }
                    }
                    nativeHeaders = list
                    values[count].vtype = RD_KAFKA_VTYPE_HEADERS
                    values[count].u.headers = list
                    count += 1
                }
                guard let error = rd_kafka_produceva(client.handle, values.baseAddress, count) else { return nil }
                // On failure the headers were not taken over by librdkafka.
                if let nativeHeaders { rd_kafka_headers_destroy(nativeHeaders) }
                return KafkaError.consuming(error, kind: .delivery, context: "could not enqueue message for \(topic)")
            }
        }
    }
}

extension ProducerRecord {
    func withBuffers<R>(_ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer) -> R) -> R {
        value.withUnsafeBytes { valueBuffer in
            guard let key else { return body(nil, valueBuffer) }
            return key.withUnsafeBytes { keyBuffer in body(keyBuffer, valueBuffer) }
        }
    }
}
