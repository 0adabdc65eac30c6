import EddyEngine
import EddyKafka
import EddyMetrics

/// Receives each output row as it is produced: the stream's name, its JSON value and row time.
/// Called on the pipeline's thread; the buffer is valid only during the call. The dashboard bridge
/// uses it; keep it cheap (it runs once per output row).
public typealias OutputRowHandler = @Sendable (_ stream: String, _ value: UnsafeRawBufferPointer, _ rowtime: Int64) -> Void

/// Whether a stream carries alerts: its name or topic starts with `alerts` (case-insensitive).
public func isAlertStream(name: String, topic: String?) -> Bool {
    name.lowercased().hasPrefix("alerts") || (topic?.lowercased().hasPrefix("alerts") ?? false)
}

/// Per-stream output counters, looked up by name once per row (no allocation).
final class OutputCounters {
    struct Entry { let rows: Counter; let alerts: Counter? }
    let entries: [String: Entry]

    init(streams: [(name: String, topic: String?)], metrics: PipelineMetrics) {
        var entries: [String: Entry] = [:]
        for stream in streams {
            entries[stream.name] = Entry(
                rows: metrics.recordsOut(stream: stream.name),
                alerts: isAlertStream(name: stream.name, topic: stream.topic) ? metrics.alerts(stream: stream.name) : nil)
        }
        self.entries = entries
    }

    @inline(__always) func count(_ stream: String) {
        guard let entry = entries[stream] else { return }
        entry.rows.increment()
        entry.alerts?.increment()
    }
}

/// Hands drained engine rows to the producer with the engine's keys. A full local queue is waited
/// out on this (dedicated) thread; any other enqueue failure is kept and ends the pipeline, because
/// committing past an output that was never sent would lose it.
struct ProducerSink: OutputSink {
    let producer: KafkaProducer
    let counters: OutputCounters
    let onRow: OutputRowHandler?
    var failure: KafkaError?

    mutating func emit(stream: String, topic: String?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, rowtime: Int64) {
        guard let topic else { return }
        do {
            try producer.enqueue(topic: topic, key: key, value: value, blockWhenFull: true)
        } catch {
            if failure == nil { failure = error }
            return
        }
        counters.count(stream)
        onRow?(stream, value, rowtime)
    }
}
