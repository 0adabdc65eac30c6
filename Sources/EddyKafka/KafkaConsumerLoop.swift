import Dispatch
import Synchronization

/// Runs `KafkaConsumer.poll` on a thread of its own until stopped: the consumer loop the streaming
/// runtime builds on.
///
/// `onBatch` runs on that thread for every poll, with borrowed messages (valid only during the
/// call), and also with an empty batch when a poll times out, so time-driven work (checkpoints,
/// idle watermarks) happens on the same thread as processing. Rebalance events arrive on the same
/// thread, between batches, through the consumer's `onRebalance`. If `onBatch` or the poll throws,
/// the loop ends and `stop()`/`finished()` rethrow that error.
public final class KafkaConsumerLoop: Sendable {
    private let state = LoopState()

    /// Shared between the loop thread and callers of `stop()`/`finished()`.
    private final class LoopState: Sendable {
        let stopRequested = Atomic<Bool>(false)
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
    }

    public init(
        consumer: KafkaConsumer, pollTimeout: Duration = .milliseconds(100),
        onBatch: @escaping @Sendable (KafkaMessageBatch) throws -> Void
    ) {
        DedicatedThread.start { [state] in
            var result: Result<Void, any Error> = .success(())
            while !state.stopRequested.load(ordering: .acquiring) {
                do {
                    try consumer.poll(timeout: pollTimeout, onBatch)
                } catch {
                    result = .failure(error)
                    break
                }
            }
            state.outcome.withLock { $0 = result }
            state.done.signal()
        }
    }

    /// Asks the loop to stop after the current poll, waits for it, and rethrows its error if it failed.
    public func stop() async throws {
        state.stopRequested.store(true, ordering: .releasing)
        try await finished()
    }

    /// Waits until the loop has ended (after `stop()` or a failure) without asking it to stop.
    public func finished() async throws {
        let done = state.done
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "eddy.kafka.loop-join").async {
                done.wait()
                done.signal()  // let later callers through too
                continuation.resume()
            }
        }
        try state.outcome.withLock { $0 }?.get()
    }
}
