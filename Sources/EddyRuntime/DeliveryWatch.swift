import Dispatch
import EddyKafka
import Synchronization

/// Work that may complete only once the producer has delivered everything up to `mark`: a
/// checkpoint to write, or source offsets to store. The wait runs as a detached task, so the
/// worker's dedicated thread checks `outcome` between polls instead of blocking on it.
final class DeliveryWatch<Payload: Sendable>: Sendable {
    let payload: Payload
    let mark: DeliveryMark
    private let result = Mutex<DeliveryOutcome?>(nil)

    init(_ payload: Payload, mark: DeliveryMark, since: DeliveryMark, producer: KafkaProducer) {
        self.payload = payload
        self.mark = mark
        Task.detached { [self] in
            let outcome = await producer.awaitDelivery(through: mark, since: since)
            result.withLock { $0 = outcome }
        }
    }

    /// Nil while deliveries through `mark` are outstanding.
    var outcome: DeliveryOutcome? { result.withLock { $0 } }
}

extension KafkaProducer {
    /// Blocks the calling dedicated thread (never a cooperative one) until everything produced
    /// through `mark` is delivered, or returns nil once `timeout` has passed (brokers still down).
    /// Used on revoke and at shutdown, where the worker must not go on before its outputs are out.
    func waitForDelivery(through mark: DeliveryMark, since: DeliveryMark, timeout: Duration) -> DeliveryOutcome? {
        let settled = DispatchSemaphore(value: 0)
        let result = Mutex<DeliveryOutcome?>(nil)
        Task.detached { [self] in
            let outcome = await awaitDelivery(through: mark, since: since)
            result.withLock { $0 = outcome }
            settled.signal()
        }
        let (whole, fraction) = timeout.components
        let nanoseconds = Int(whole) * 1_000_000_000 + Int(fraction / 1_000_000_000)
        guard settled.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return result.withLock { $0 }
    }
}
