import Dispatch
import EddyState
import Synchronization

/// Writes captured checkpoints on a background queue, in order, so the pipeline thread only pays
/// for the snapshot: encoding, checksumming and fsyncing tens of megabytes (an RCF-heavy topology)
/// would otherwise stall processing at every interval. The pipeline thread collects the outcomes
/// after each poll, and waits for the queue (`finish`) before it gives partitions up or stops, so a
/// revoked task's checkpoint is on disk before its new owner looks for it.
final class CheckpointWriter: Sendable {
    /// What happened to one capture.
    struct Outcome: Sendable {
        var checkpoint: Checkpoint
        /// Snapshot plus write time, or the reason the write failed.
        var result: Result<Double, CheckpointError>
    }

    private let store: TaskCheckpointStore
    private let queue = DispatchQueue(label: "eddy.checkpoint-writer")
    private let outcomes = Mutex<[Outcome]>([])
    private let inFlight = Atomic<Int>(0)

    init(store: TaskCheckpointStore) { self.store = store }

    /// Queues `capture` for writing (after any queued before it).
    func enqueue(_ capture: TaskCheckpointStore.Capture) {
        inFlight.add(1, ordering: .relaxed)
        queue.async { [self] in
            let result = Result { () throws(CheckpointError) in try store.save(capture) }
            outcomes.withLock { $0.append(Outcome(checkpoint: capture.checkpoint, result: result)) }
            inFlight.subtract(1, ordering: .relaxed)
        }
    }

    /// Records a checkpoint written elsewhere (inside a transaction), so the pipeline takes it in with
    /// the others' outcomes.
    func recordWritten(_ checkpoint: Checkpoint, seconds: Double) {
        outcomes.withLock { $0.append(Outcome(checkpoint: checkpoint, result: .success(seconds))) }
    }

    /// Whether captures are still waiting to be written (the next interval then skips its snapshot,
    /// so a slow disk cannot pile up copies of the state in memory).
    var isBusy: Bool { inFlight.load(ordering: .relaxed) > 0 }

    /// The outcomes since the last call, oldest first.
    func takeOutcomes() -> [Outcome] {
        outcomes.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }

    /// Blocks until every queued capture is written.
    func finish() { queue.sync {} }
}
