/// Finds a top-level member of a JSON object by key, returning the raw bytes of its value.
///
/// The event-time stamper only needs one field of an object it has not parsed, so this walks
/// the top level and skips nested values without building a tree. It never traps on invalid
/// input: anything it cannot follow yields `.notAnObject`.
enum JSONTopLevelFields {
    enum Lookup: Equatable {
        case found(valueStart: Int, valueEnd: Int)
        case absent
        case notAnObject
    }

    /// Looks up `key` (compared after decoding JSON escapes in the object's keys).
    static func find(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Lookup {
        var index = 0
        let count = bytes.count
        func skipWhitespace() {
            while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
                index += 1
            }
        }
        skipWhitespace()
        guard index < count, bytes[index] == UInt8(ascii: "{") else { return .notAnObject }
        index += 1
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "}") { return .absent }
        while true {
            skipWhitespace()
            guard index < count, bytes[index] == UInt8(ascii: "\""), let keyEnd = stringEnd(bytes, from: index) else { return .notAnObject }
            let keyMatches = JSONStringDecoding.rawStringEquals(UnsafeBufferPointer(rebasing: bytes[(index + 1)..<(keyEnd - 1)]), key)
            index = keyEnd
            skipWhitespace()
            guard index < count, bytes[index] == UInt8(ascii: ":") else { return .notAnObject }
            index += 1
            skipWhitespace()
            let valueStart = index
            guard let valueEnd = valueEnd(bytes, from: index) else { return .notAnObject }
            if keyMatches { return .found(valueStart: valueStart, valueEnd: valueEnd) }
            index = valueEnd
            skipWhitespace()
            guard index < count else { return .notAnObject }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return .absent
            default: return .notAnObject
            }
        }
    }

    /// Index just past the closing quote of the string starting at `from` (an opening quote).
    static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var index = from + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    /// Index just past the value starting at `from`.
    static func valueEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < bytes.count else { return nil }
        switch bytes[from] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, from: from)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = from
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(bytes, from: index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return nil
        default:
            var index = from
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    return index > from ? index : nil
                default: index += 1
                }
            }
            return nil
        }
    }
}

/// Decoding of JSON string escapes, for the rare keys and values that contain them.
enum JSONStringDecoding {
    /// Decodes the inside of a JSON string (without quotes) to UTF-8, or nil if an escape is invalid.
    static func decode(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.count else { return nil }
            let escaped = raw[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(raw, at: index) else { return nil }
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u"),
                          let low = hex4(raw, at: index + 2), low >= 0xDC00 && low <= 0xDFFF else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                output.append(contentsOf: UTF8.encode(unicode)!)
            default:
                return nil
            }
        }
        return output
    }

    /// Compares a raw (possibly escaped) JSON string body with plain UTF-8 `expected`.
    static func rawStringEquals(_ raw: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        if !raw.contains(UInt8(ascii: "\\")) { return raw.elementsEqual(expected) }
        return decode(raw) == expected
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= raw.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = hexValue(raw[index + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
