/// Runs blocking librdkafka calls (network round trips: commit, watermarks, metadata, admin) on
/// threads of their own, so they never occupy Swift's cooperative pool, and resumes the awaiting task.
///
/// Each call gets its own thread (see `DedicatedThread`): these calls are rare (commit, metadata,
/// admin), and a shared pool would let a few slow ones (an unreachable broker's timeout) hold up the rest.
enum BlockingExecutor {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            DedicatedThread.start {
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
