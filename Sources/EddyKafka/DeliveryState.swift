internal import CRdKafka
import Synchronization

/// Delivery bookkeeping shared between the producer (enqueue side) and librdkafka's callback
/// (poll-loop side). Enqueueing only bumps an atomic counter; reports update the ledger under a
/// mutex, and continuations are resumed outside it.
final class DeliveryState: Sendable {
    private let ledger = Mutex(DeliveryLedger())
    private let onError: (@Sendable (KafkaError) -> Void)?

    init(onError: (@Sendable (KafkaError) -> Void)?) {
        self.onError = onError
    }

    func report(_ error: KafkaError) {
        if let onError { onError(error) } else { fputsStderr("eddy: kafka: \(error.message)\n") }
    }
    /// The next sequence number to hand out.
    private let next = Atomic<UInt64>(1)

    func reserve() -> UInt64 { next.wrappingAdd(1, ordering: .relaxed).oldValue }

    func reserve(registering continuation: CheckedContinuation<DeliveryReport, any Error>) -> UInt64 {
        let sequence = reserve()
        ledger.withLock { $0.register(continuation, for: sequence) }
        return sequence
    }

    func cancel(_ sequence: UInt64) {
        let resumptions = ledger.withLock { $0.cancel(sequence) }
        for resumption in resumptions { resumption.resume() }
    }

    /// Records one report; `topic` is only evaluated when someone needs the full report.
    func complete(sequence: UInt64, partition: Int32, offset: Int64, topic: () -> String, error: KafkaError?) {
        let resumptions = ledger.withLock { ledger in
            let name = (error != nil || ledger.hasWaiter(sequence)) ? topic() : ""
            return ledger.complete(DeliveryReport(sequence: sequence, topic: name, partition: partition, offset: offset), error: error)
        }
        for resumption in resumptions { resumption.resume() }
    }

    func abandonPending(_ error: KafkaError) {
        let end = next.load(ordering: .relaxed)
        let resumptions = ledger.withLock { $0.abandonPending(before: end, error) }
        for resumption in resumptions { resumption.resume() }
    }

    func mark() -> DeliveryMark { DeliveryMark(sequence: next.load(ordering: .relaxed) - 1) }

    func awaitMark(_ mark: DeliveryMark, since: DeliveryMark, notify: @escaping @Sendable (DeliveryOutcome) -> Void) {
        let immediate = ledger.withLock { $0.awaitMark(mark, since: since, notify: notify) }
        immediate?.resume()
    }

    func discardFailures(through mark: DeliveryMark) { ledger.withLock { $0.discardFailures(through: mark) } }

    var statistics: ProducerStatistics {
        let reserved = next.load(ordering: .relaxed) - 1
        return ledger.withLock { ledger in
            ProducerStatistics(enqueued: reserved - ledger.cancelled, delivered: ledger.delivered, failed: ledger.failed)
        }
    }
}

/// Client-level errors, on the poll-loop thread.
let producerErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, code, reason, opaque in
    guard let opaque else { return }
    let state = Unmanaged<DeliveryState>.fromOpaque(opaque).takeUnretainedValue()
    let err = rd_kafka_resp_err_t(rawValue: code)
    let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
    state.report(KafkaError(kind: .delivery, code: String(cString: rd_kafka_err2name(err)), message: text))
}

/// Called by librdkafka on the poll-loop thread, once per message.
let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, opaque in
    guard let message, let opaque else { return }
    let state = Unmanaged<DeliveryState>.fromOpaque(opaque).takeUnretainedValue()
    let sequence = UInt64(UInt(bitPattern: message.pointee._private))
    let topicName = { message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "" }
    let error: KafkaError? = message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR
        ? nil
        : KafkaError.fromResponse(message.pointee.err, kind: .delivery, context: "delivery to \(topicName()) failed")
    state.complete(sequence: sequence, partition: message.pointee.partition, offset: message.pointee.offset, topic: topicName, error: error)
}
