import EddyKafka
import Synchronization

/// Input offsets, and task snapshots, waiting for the delivery of the outputs produced before them.
///
/// At each commit interval the pipeline takes the engines' released positions (and, every
/// checkpoint interval, each task's snapshot) and a producer mark; a background task waits for that
/// mark's delivery reports, and the pipeline thread stores the offsets (for librdkafka's
/// auto-commit) and writes the snapshots only once the outcome is in and clean. A snapshot on disk
/// therefore never covers an output that might still be lost. The thread never blocks on the
/// network for this, so an outage only delays commits and checkpoints.
final class PendingCheckpoint: Sendable {
    let offsets: [TopicPartitionOffset]
    let snapshots: [TaskCheckpointStore.Capture]
    let mark: DeliveryMark
    private let result = Mutex<DeliveryOutcome?>(nil)

    init(offsets: [TopicPartitionOffset], snapshots: [TaskCheckpointStore.Capture], mark: DeliveryMark) {
        self.offsets = offsets
        self.snapshots = snapshots
        self.mark = mark
    }

    func complete(_ outcome: DeliveryOutcome) { result.withLock { $0 = outcome } }
    var outcome: DeliveryOutcome? { result.withLock { $0 } }
}

/// Checkpoints in mark order; only the pipeline thread touches it.
struct CheckpointLedger {
    private(set) var pending: [PendingCheckpoint] = []
    /// The mark of the newest checkpoint handed out: the next one's failures are counted after it.
    private(set) var lastMark = DeliveryMark.start

    mutating func open(offsets: [TopicPartitionOffset], snapshots: [TaskCheckpointStore.Capture] = [], producer: KafkaProducer) {
        let mark = producer.mark()
        let checkpoint = PendingCheckpoint(offsets: offsets, snapshots: snapshots, mark: mark)
        let since = lastMark
        lastMark = mark
        pending.append(checkpoint)
        Task.detached {
            checkpoint.complete(await producer.awaitDelivery(through: mark, since: since))
        }
    }

    /// Whether a pending entry holds task snapshots (they wait for delivery in memory).
    var holdsSnapshots: Bool { pending.contains { !$0.snapshots.isEmpty } }

    /// Removes and returns the leading checkpoints whose outcome is known, oldest first.
    mutating func takeSettled() -> [(PendingCheckpoint, DeliveryOutcome)] {
        var settled: [(PendingCheckpoint, DeliveryOutcome)] = []
        while let first = pending.first, let outcome = first.outcome {
            settled.append((first, outcome))
            pending.removeFirst()
        }
        return settled
    }

    /// Every offset still waiting, oldest first (for the blocking flush at revoke and shutdown).
    mutating func takeAll() -> [PendingCheckpoint] {
        defer { pending.removeAll() }
        return pending
    }
}
