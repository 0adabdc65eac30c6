import EddySQL

/// Runs a topology in-process with a controlled clock, like Kafka Streams' TopologyTestDriver:
/// pipe records into sources with a partition and timestamp, advance processing time, read outputs.
public final class TopologyTestDriver {
    public let engine: Engine
    var offsets: [String: Int64] = [:]

    public init(sql: String, name: String = "test") throws {
        let topology = try Analyzer.analyze(text: sql, name: name)
        engine = try Engine(topology: topology, captureAllStreams: true)
    }

    /// Feeds one message to a source stream. `timestamp` is the message timestamp (processing-time rowtime).
    public func pipe(_ stream: String, _ value: String, partition: Int32 = 0, timestamp: Int64 = 0) {
        guard let source = engine.sourceIndex(named: stream) else { preconditionFailure("no source stream \(stream)") }
        let offset = offsets[stream + "#\(partition)", default: 0]
        offsets[stream + "#\(partition)"] = offset + 1
        var text = value
        text.withUTF8 { engine.process(source: source, partition: partition, offset: offset, timestamp: timestamp,
                                       value: UnsafeRawBufferPointer($0), origin: RecordOrigin(topic: stream.lowercased())) }
    }

    /// Feeds raw bytes (for invalid UTF-8).
    public func pipe(_ stream: String, bytes: [UInt8], partition: Int32 = 0, timestamp: Int64 = 0) {
        guard let source = engine.sourceIndex(named: stream) else { preconditionFailure("no source stream \(stream)") }
        bytes.withUnsafeBytes { engine.process(source: source, partition: partition, offset: 0, timestamp: timestamp, value: $0, origin: RecordOrigin(topic: stream.lowercased())) }
    }

    public func advance(to now: Int64) { engine.advanceProcessingTime(to: now) }

    public func finish() { engine.finish() }

    /// JSON values emitted so far on a stream, then forgets them.
    public func read(_ stream: String) -> [String] {
        guard let output = engine.output(named: stream) else { return [] }
        defer { output.removeAll() }
        return output.rows().map(\.value)
    }

    /// (key, value) pairs emitted so far on a stream, then forgets them.
    public func readKeyed(_ stream: String) -> [(key: String?, value: String)] {
        guard let output = engine.output(named: stream) else { return [] }
        defer { output.removeAll() }
        return output.rows().map { ($0.key, $0.value) }
    }
}
