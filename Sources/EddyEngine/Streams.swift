import EddyCore
import EddySQL

/// Encoded rows of one output stream, waiting to be written (replay) or produced (Kafka).
/// Keys and values are JSON/text bytes in one arena; drain with `forEach` then `removeAll`.
public final class OutputBuffer {
    public let streamName: String
    let data = ByteArena(capacity: 1 << 16)
    struct Entry { var keyStart: Int; var keyLength: Int; var valueStart: Int; var valueLength: Int; var rowtime: Int64 }
    @exclusivity(unchecked) var entries: ContiguousArray<Entry> = []

    init(streamName: String) { self.streamName = streamName }

    public var count: Int { entries.count }

    /// Visits each row: the Kafka key (nil when the row has none), the JSON value, and the row time.
    public func forEach(_ body: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer, _ rowtime: Int64) throws -> Void) rethrows {
        for e in entries {
            let key = e.keyLength < 0 ? nil : UnsafeRawBufferPointer(start: data.storage + e.keyStart, count: e.keyLength)
            try body(key, UnsafeRawBufferPointer(start: data.storage + e.valueStart, count: e.valueLength), e.rowtime)
        }
    }

    /// Rows as Swift values (allocates; for tests and tools).
    public func rows() -> [(key: String?, value: String, rowtime: Int64)] {
        var result: [(key: String?, value: String, rowtime: Int64)] = []
        forEach { k, v, t in result.append((k.map { String(decoding: $0, as: UTF8.self) }, String(decoding: v, as: UTF8.self), t)) }
        return result
    }

    public func removeAll() {
        entries.removeAll(keepingCapacity: true)
        data.reset()
    }
}

/// A stream at run time: its consumers (pumps reading it) and, when captured, its output buffer.
final class StreamNode {
    let definition: StreamDefinition
    @exclusivity(unchecked) var consumers: [Operator] = []
    @exclusivity(unchecked) var output: OutputBuffer?
    let encoder: JSONRowEncoder
    let types: [SQLType]
    /// For `'format' = 'raw'`: the column whose text is the whole message value.
    let rawColumn: Int?
    @exclusivity(unchecked) var rowsOut = 0

    init(definition: StreamDefinition) {
        self.definition = definition
        let keys = Set(definition.binding.keyColumns ?? [])
        rawColumn = definition.binding.format == .raw ? definition.schema.columns.indices.first { !keys.contains($0) } : nil
        encoder = JSONRowEncoder(schema: definition.schema)
        types = definition.schema.columns.map(\.type)
    }

    /// Passes a row to every consumer and encodes it if captured. `key` is the default key
    /// (group keys and window start); a `key` binding option overrides it.
    @inline(__always) func emit(_ frame: Frame, key: UnsafeRawBufferPointer?) {
        rowsOut += 1
        if let output { encode(frame, key: key, into: output) }
        consumers.withUnsafeBufferPointer { list in
            // Called through a guaranteed reference: `consumers` keeps every operator alive, and a
            // strong local retained and released each one around every record.
            for i in list.indices {
                Unmanaged.passUnretained(list[i])._withUnsafeGuaranteedRef { $0.process(frame) }
            }
        }
    }

    func encode(_ frame: Frame, key: UnsafeRawBufferPointer?, into output: OutputBuffer) {
        let data = output.data
        var keyStart = data.count
        var keyLength = -1
        if let columns = definition.binding.keyColumns {
            keyStart = data.count
            for (n, c) in columns.enumerated() {
                if n > 0 { data.append(UInt8(ascii: "|")) }
                JSONRowEncoder.appendText(frame.slots[c], isNull: frame.nulls[c], type: types[c], arena: frame.arena, into: data)
            }
            keyLength = data.count - keyStart
        } else if let key {
            keyStart = data.count
            data.append(key)
            keyLength = key.count
        }
        let valueStart = data.count
        if let rawColumn {
            if !frame.nulls[rawColumn] { data.append(frame.arena.bytes(frame.slots[rawColumn])) }
        } else {
            encoder.encode(frame, rowtime: nil, into: data)
        }
        output.entries.append(.init(keyStart: keyStart, keyLength: keyLength, valueStart: valueStart, valueLength: data.count - valueStart, rowtime: frame.rowtime))
    }
}

/// The operator contract: process a row, react to the watermark, and flush at end of input.
class Operator {
    func process(_ frame: Frame) {}
    func onWatermark(_ watermark: Int64) {}
    /// End of replay input: every open window fires.
    func finish() { onWatermark(.max) }
}
