/// Writes rows as JSON objects into a byte arena: TIMESTAMP as ISO-8601 UTC with milliseconds,
/// integers and doubles as JSON numbers, NULL as `null`.
public struct JSONRowEncoder {
    /// Pre-escaped `"NAME":` byte strings, one per column, built once.
    let keyPrefixes: [[UInt8]]
    let types: [SQLType]

    public init(schema: Schema) {
        keyPrefixes = schema.columns.map { Array(("\"" + JSONRowEncoder.escape($0.name) + "\":").utf8) }
        types = schema.columns.map(\.type)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Appends `{"ROWTIME":"...",...}` (the ROWTIME member only when `rowtime` is given).
    public func encode(_ frame: Frame, rowtime: Int64?, into out: ByteArena) {
        out.append(UInt8(ascii: "{"))
        var first = true
        if let rowtime {
            Self.appendStatic(out, "\"ROWTIME\":\"")
            CivilTime.writeISO(rowtime, into: out)
            out.append(UInt8(ascii: "\""))
            first = false
        }
        for c in 0..<keyPrefixes.count {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            keyPrefixes[c].withUnsafeBytes { out.append($0) }
            if frame.nulls[c] { Self.appendStatic(out, "null"); continue }
            JSONRowEncoder.appendValue(frame.slots[c], type: types[c], arena: frame.arena, into: out)
        }
        out.append(UInt8(ascii: "}"))
    }

    @inlinable static func appendStatic(_ out: ByteArena, _ s: StaticString) {
        out.append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends one JSON value.
    public static func appendValue(_ bits: UInt64, type: SQLType, arena: ByteArena, into out: ByteArena) {
        switch type.kind {
        case .boolean: appendStatic(out, bits != 0 ? "true" : "false")
        case .integer: appendInt(Int64(bitPattern: bits), into: out)
        case .double: appendDouble(Double(bitPattern: bits), type: type, into: out)
        case .timestamp:
            out.append(UInt8(ascii: "\""))
            CivilTime.writeISO(Int64(bitPattern: bits), into: out)
            out.append(UInt8(ascii: "\""))
        case .date:
            out.append(UInt8(ascii: "\""))
            CivilTime.writeDate(Int64(bitPattern: bits), into: out)
            out.append(UInt8(ascii: "\""))
        case .string:
            appendString(arena.bytes(bits), into: out)
        }
    }

    /// Appends a value as plain text (for `|`-joined Kafka keys).
    public static func appendText(_ bits: UInt64, isNull: Bool, type: SQLType, arena: ByteArena, into out: ByteArena) {
        if isNull { return }
        switch type.kind {
        case .string: out.append(arena.bytes(bits))
        case .timestamp: CivilTime.writeISO(Int64(bitPattern: bits), into: out)
        case .date: CivilTime.writeDate(Int64(bitPattern: bits), into: out)
        case .boolean: appendStatic(out, bits != 0 ? "true" : "false")
        case .integer: appendInt(Int64(bitPattern: bits), into: out)
        case .double: appendDouble(Double(bitPattern: bits), type: type, into: out)
        }
    }

    @inlinable public static func appendInt(_ value: Int64, into out: ByteArena) {
        if value == Int64.min { appendStatic(out, "-9223372036854775808"); return }
        var v = value < 0 ? -value : value
        var digits = 1
        var probe = v
        while probe >= 10 { probe /= 10; digits += 1 }
        let total = digits + (value < 0 ? 1 : 0)
        let p = out.reserve(total)
        if value < 0 { p[0] = UInt8(ascii: "-") }
        var i = total - 1
        repeat {
            p[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            i -= 1
        } while v > 0
        out.commit(total)
    }

    /// Shortest round-trip text for DOUBLE; fixed scale for DECIMAL. Non-finite values become null
    /// because JSON has no NaN.
    public static func appendDouble(_ d: Double, type: SQLType, into out: ByteArena) {
        guard d.isFinite else { appendStatic(out, "null"); return }
        if case .decimal(_, let scale) = type {
            appendFixed(d, scale: scale, into: out)
            return
        }
        if d == d.rounded(), d.magnitude < 1e15 {
            appendInt(Int64(d), into: out)
            appendStatic(out, ".0")
            return
        }
        var stream = ArenaTextStream(arena: out)
        if type == .real { Float(d).write(to: &stream) } else { d.write(to: &stream) }
    }

    static func appendFixed(_ d: Double, scale: Int, into out: ByteArena) {
        var factor = 1.0
        for _ in 0..<scale { factor *= 10 }
        let scaled = (d * factor).rounded()
        guard scaled.magnitude < 9e18 else {
            var stream = ArenaTextStream(arena: out)
            d.write(to: &stream)
            return
        }
        let units = Int64(scaled)
        if units < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = units.magnitude
        let f = UInt64(factor)
        appendInt(Int64(magnitude / f), into: out)
        if scale > 0 {
            out.append(UInt8(ascii: "."))
            var frac = magnitude % f
            let p = out.reserve(scale)
            var i = scale - 1
            while i >= 0 { p[i] = UInt8(48 + frac % 10); frac /= 10; i -= 1 }
            out.commit(scale)
        }
    }

    /// Appends a JSON string literal with escapes.
    public static func appendString(_ b: UnsafeRawBufferPointer, into out: ByteArena) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<b.count {
            let c = b[i]
            if c >= 0x20, c != 0x22, c != 0x5C { continue }
            out.append(UnsafeRawBufferPointer(rebasing: b[runStart..<i]))
            switch c {
            case 0x22: appendStatic(out, "\\\"")
            case 0x5C: appendStatic(out, "\\\\")
            case 0x0A: appendStatic(out, "\\n")
            case 0x0D: appendStatic(out, "\\r")
            case 0x09: appendStatic(out, "\\t")
            default:
                appendStatic(out, "\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
            }
            runStart = i + 1
        }
        out.append(UnsafeRawBufferPointer(rebasing: b[runStart..<b.count]))
        out.append(UInt8(ascii: "\""))
    }
}

/// Lets the standard library's shortest round-trip float formatting write straight into an arena:
/// `Double.write(to:)` hands its stack buffer to `_writeASCII`, so no String is created.
struct ArenaTextStream: TextOutputStream {
    let arena: ByteArena

    mutating func write(_ string: String) { arena.append(string) }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        arena.append(UnsafeRawBufferPointer(buffer))
    }
}
