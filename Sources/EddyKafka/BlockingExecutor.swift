import Dispatch

/// Runs blocking librdkafka calls (network round trips: commit, watermarks, metadata, admin) on
/// GCD threads, so they never occupy Swift's cooperative pool, and resumes the awaiting task.
enum BlockingExecutor {
    private static let queue = DispatchQueue(label: "eddy.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
