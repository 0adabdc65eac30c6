import Synchronization

/// Position in a producer's output: every message enqueued before the mark has a smaller sequence.
/// Runtimes take a mark at a checkpoint and await it before committing input offsets.
public struct DeliveryMark: Sendable, Hashable, Comparable {
    /// Sequence number of the last message enqueued before the mark (0 = none).
    public let sequence: UInt64
    /// Before the first message.
    public static let start = DeliveryMark(sequence: 0)
    public static func < (lhs: DeliveryMark, rhs: DeliveryMark) -> Bool { lhs.sequence < rhs.sequence }
}

/// A message that Kafka did not accept, with librdkafka's reason.
public struct DeliveryFailure: Sendable, Hashable {
    public var sequence: UInt64
    public var topic: String
    public var error: KafkaError
}

/// The result of waiting for a range of messages.
public struct DeliveryOutcome: Sendable, Hashable {
    /// Everything up to this mark has a delivery report.
    public var mark: DeliveryMark
    /// Messages in the awaited range that failed. Empty means every one was acknowledged.
    public var failures: [DeliveryFailure]
    public var succeeded: Bool { failures.isEmpty }
}

/// Delivery report of one message.
public struct DeliveryReport: Sendable, Hashable {
    public var sequence: UInt64
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}

/// Counts since the producer started.
public struct ProducerStatistics: Sendable, Hashable {
    public var enqueued: UInt64 = 0
    public var delivered: UInt64 = 0
    public var failed: UInt64 = 0
    public var pending: UInt64 { enqueued - delivered - failed }
}

/// Tracks which sequence numbers have reports, so "everything up to S is delivered" is an O(1) check.
///
/// Sequence numbers are handed out by an atomic counter (`DeliveryState`), so enqueueing never takes
/// this lock; the ledger only sees reports. They arrive out of order across partitions, so completion
/// is kept in a ring of flags whose head is the lowest sequence still outstanding. Memory is bounded
/// by the messages in flight, with no per-message allocation once warm.
struct DeliveryLedger {
    /// Lowest sequence without a report.
    private(set) var lowestPending: UInt64 = 1
    private var done: [Bool] = Array(repeating: false, count: 1024)
    private var head = 0  // ring index of `lowestPending`
    private(set) var delivered: UInt64 = 0
    private(set) var failed: UInt64 = 0
    private(set) var cancelled: UInt64 = 0
    private var failures: [DeliveryFailure] = []
    private var messageWaiters: [UInt64: CheckedContinuation<DeliveryReport, any Error>] = [:]
    private var barrierWaiters: [(sequence: UInt64, since: UInt64, notify: @Sendable (DeliveryOutcome) -> Void)] = []

    /// librdkafka refused the message: it will never get a report, so treat it as settled (the caller got the error).
    mutating func cancel(_ sequence: UInt64) -> [Resumption] {
        cancelled += 1
        messageWaiters.removeValue(forKey: sequence)
        return settle(sequence)
    }

    mutating func register(_ continuation: CheckedContinuation<DeliveryReport, any Error>, for sequence: UInt64) {
        messageWaiters[sequence] = continuation
    }

    /// Whether someone awaits this message's report (only then is a full `DeliveryReport` worth building).
    func hasWaiter(_ sequence: UInt64) -> Bool { !messageWaiters.isEmpty && messageWaiters[sequence] != nil }

    /// Records a report. Returns the continuations to resume (outside the lock).
    mutating func complete(_ report: DeliveryReport, error: KafkaError?) -> [Resumption] {
        var resumptions: [Resumption] = []
        if let error {
            failed += 1
            failures.append(DeliveryFailure(sequence: report.sequence, topic: report.topic, error: error))
            if let waiter = messageWaiters.removeValue(forKey: report.sequence) {
                resumptions.append(.messageFailed(waiter, error))
            }
        } else {
            delivered += 1
            if !messageWaiters.isEmpty, let waiter = messageWaiters.removeValue(forKey: report.sequence) {
                resumptions.append(.messageDelivered(waiter, report))
            }
        }
        resumptions.append(contentsOf: settle(report.sequence))
        return resumptions
    }

    /// Fails every message below `end` still without a report (the producer stopped before they
    /// were delivered), so no waiter hangs and the counts add up.
    mutating func abandonPending(before end: UInt64, _ error: KafkaError) -> [Resumption] {
        var resumptions: [Resumption] = []
        // `lowestPending` never has a report (settle advances past every settled one), so failing it
        // repeatedly walks exactly the outstanding messages.
        while lowestPending < end {
            let report = DeliveryReport(sequence: lowestPending, topic: "", partition: -1, offset: -1)
            resumptions += complete(report, error: error)
        }
        return resumptions
    }

    /// Returns the outcome now if `mark` is settled, else parks `notify` until it is.
    mutating func awaitMark(_ mark: DeliveryMark, since: DeliveryMark, notify: @escaping @Sendable (DeliveryOutcome) -> Void) -> Resumption? {
        if mark.sequence < lowestPending {
            return .barrier(notify, outcome(upTo: mark.sequence, since: since.sequence))
        }
        barrierWaiters.append((mark.sequence, since.sequence, notify))
        return nil
    }

    private func outcome(upTo sequence: UInt64, since: UInt64) -> DeliveryOutcome {
        DeliveryOutcome(
            mark: DeliveryMark(sequence: sequence),
            failures: failures.filter { $0.sequence > since && $0.sequence <= sequence }
        )
    }

    /// Forgets failures at or below `mark`: the caller has handled them.
    mutating func discardFailures(through mark: DeliveryMark) {
        failures.removeAll { $0.sequence <= mark.sequence }
    }

    private mutating func settle(_ sequence: UInt64) -> [Resumption] {
        let offset = Int(sequence - lowestPending)
        if offset >= done.count { grow(toHold: offset + 1) }
        done[(head + offset) & (done.count - 1)] = true
        guard sequence == lowestPending else { return [] }
        // Slots past the newest reservation are always false, so this stops at the first gap.
        while done[head] {
            done[head] = false
            head = (head + 1) & (done.count - 1)
            lowestPending += 1
        }
        guard !barrierWaiters.isEmpty else { return [] }
        var resumptions: [Resumption] = []
        var stillWaiting = barrierWaiters
        stillWaiting.removeAll { waiter in
            guard waiter.sequence < lowestPending else { return false }
            resumptions.append(.barrier(waiter.notify, outcome(upTo: waiter.sequence, since: waiter.since)))
            return true
        }
        barrierWaiters = stillWaiting
        return resumptions
    }

    private mutating func grow(toHold count: Int) {
        let oldCount = done.count
        var newCount = oldCount * 2
        while newCount < count { newCount *= 2 }
        var bigger = [Bool](repeating: false, count: newCount)
        for index in 0..<oldCount { bigger[index] = done[(head + index) & (oldCount - 1)] }
        done = bigger
        head = 0
    }

    enum Resumption {
        case messageDelivered(CheckedContinuation<DeliveryReport, any Error>, DeliveryReport)
        case messageFailed(CheckedContinuation<DeliveryReport, any Error>, KafkaError)
        case barrier(@Sendable (DeliveryOutcome) -> Void, DeliveryOutcome)

        func resume() {
            switch self {
            case .messageDelivered(let continuation, let report): continuation.resume(returning: report)
            case .messageFailed(let continuation, let error): continuation.resume(throwing: error)
            case .barrier(let notify, let outcome): notify(outcome)
            }
        }
    }
}
