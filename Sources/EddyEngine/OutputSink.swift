/// Where a driver sends encoded rows: a file writer in replay, a Kafka producer in the runtime.
/// Generic (not an existential), so a driver's sink is called directly.
public protocol OutputSink {
    /// One row of `stream`: its topic (binding, or the default for error_stream/late_stream),
    /// Kafka key (nil when the row has none), JSON value and row time. The buffers are valid only
    /// during the call.
    mutating func emit(stream: String, topic: String?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, rowtime: Int64)
}

extension Engine {
    /// Hands every buffered output row to `sink`, stream by stream in row order, then clears the
    /// buffers. Call after `process`/`advanceProcessingTime`/`finish`; rows of a record are all
    /// buffered by the time `process` returns, except those still held in open windows.
    public func drainOutputs<Sink: OutputSink>(into sink: inout Sink) {
        for node in nodes {
            guard let output = node.output, output.count > 0 else { continue }
            let topic = topology.effectiveTopic(node.definition)
            let name = node.definition.name
            output.forEach { key, value, rowtime in
                sink.emit(stream: name, topic: topic, key: key, value: value, rowtime: rowtime)
            }
            output.removeAll()
        }
    }

    /// Source streams bound to a topic, for a Kafka runtime to subscribe: (source index, stream, topic).
    public var sourceTopics: [(source: Int, stream: String, topic: String)] {
        sources.keys.sorted().compactMap { i in
            topology.streams[i].binding.topic.map { (i, topology.streams[i].name, $0) }
        }
    }
}
