import EddyKafka
import Foundation
import Synchronization

/// Runs one blocking loop (a worker's poll/produce/commit cycle) on a thread of its own, so it never
/// occupies Swift's cooperative pool, and lets async callers wait for it to end and learn how it ended.
/// Shared by `KafkaPipeline` and `RepartitionStage`, whose loops have the same lifecycle.
final class DedicatedLoop: Sendable {
    private enum RunState { case idle, running, finished(Result<Void, any Error>) }

    private let threadName: String
    private let state = Mutex<RunState>(.idle)
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter threadName: the thread's name, as debuggers and `top -H` show it.
    init(threadName: String) {
        self.threadName = threadName
    }

    /// Starts `body` on a new thread; what it returns or throws becomes the loop's outcome.
    func start(_ body: @escaping @Sendable () throws -> Void) {
        state.withLock { $0 = .running }
        let thread = Thread { [self] in
            let result = Result { try body() }
            state.withLock { $0 = .finished(result) }
            done.signal()
        }
        thread.name = threadName
        thread.start()
    }

    /// Waits (without blocking the cooperative pool) until the loop has ended and returns its
    /// outcome; returns `nil` at once if the loop was never started.
    func ended() async -> Result<Void, any Error>? {
        let started: Bool = state.withLock { if case .idle = $0 { false } else { true } }
        guard started else { return nil }
        let done = self.done
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = Thread {
                done.wait()
                // Passes the signal on, so that every later waiter returns too.
                done.signal()
                continuation.resume()
            }
            waiter.start()
        }
        return state.withLock { if case .finished(let result) = $0 { result } else { nil } }
    }
}

extension DedicatedLoop {
    /// Waits until the loop's body has returned, shuts `producer` down (flushing what it still holds,
    /// at most 10 s), and rethrows what ended the body: the end of every part of a run (the pipeline,
    /// a repartition stage, the combiner), whether after a stop request or a failure.
    func finished(shuttingDown producer: KafkaProducer) async throws {
        let outcome = await ended()
        _ = await producer.shutdown(timeout: .seconds(10))
        try outcome?.get()
    }
}
