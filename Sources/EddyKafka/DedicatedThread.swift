#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `body` on a new detached OS thread.
///
/// librdkafka's blocking calls (polls that wait, network round trips) run here rather than on GCD:
/// GCD adds threads to a busy pool only gradually, so under load (many consumers polling, a test
/// suite running in parallel) a blocking call could wait seconds just to start. A thread of our own
/// starts at once and never touches Swift's cooperative pool.
enum DedicatedThread {
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let result = pthread_create(&thread, nil, { context in
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            work.body()
            return nil
        }, context)
        guard result == 0 else {
            // Out of threads: run inline rather than lose the work.
            let work = Unmanaged<Work>.fromOpaque(context).takeRetainedValue()
            work.body()
            return
        }
        #if canImport(Darwin)
        if let thread { pthread_detach(thread) }
        #else
        pthread_detach(thread)
        #endif
    }
}
