internal import CRdKafka
import Dispatch
import Synchronization

/// Serves the producer's event queue (delivery reports, errors) on a dedicated thread until
/// stopped, then flushes. It holds the client, so the handle outlives any pending report.
final class ProducerPollLoop: Sendable {
    private let control = PollLoopControl()
    private let finished = DispatchGroup()

    init(client: KafkaClient) {
        finished.enter()
        DedicatedThread.start { [control, finished] in
            while !control.stopRequested.load(ordering: .acquiring) {
                rd_kafka_poll(client.handle, 50)
            }
            _ = rd_kafka_flush(client.handle, control.flushTimeoutMillis.load(ordering: .relaxed))
            finished.leave()
        }
    }

    func requestStop() { control.stopRequested.store(true, ordering: .releasing) }

    func stop(flushTimeout: Duration) async {
        control.flushTimeoutMillis.store(milliseconds(flushTimeout), ordering: .relaxed)
        requestStop()
        await withCheckedContinuation { continuation in
            finished.notify(queue: .global()) { continuation.resume() }
        }
    }
}

final class PollLoopControl: Sendable {
    let stopRequested = Atomic<Bool>(false)
    let flushTimeoutMillis = Atomic<Int32>(30_000)
}
