/// Strict UTF-8 validation (RFC 3629): rejects overlong forms, surrogates, code points above
/// U+10FFFF and truncated sequences.
///
/// Input files and Kafka payloads come from anywhere; invalid UTF-8 must turn into a malformed
/// record with a reason instead of a crash or a silently repaired string.
enum UTF8Validation {
    /// The length (1–4) of the valid UTF-8 sequence that starts `bytes`, or 0 when the first
    /// bytes are not valid UTF-8 (or `bytes` is empty).
    @inline(__always)
    static func sequenceLength(at bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let lead = bytes.first else { return 0 }
        if lead < 0x80 { return 1 }
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: return 0
        }
        guard bytes.count >= length else { return 0 }
        let second = bytes[1]
        if second < lowerBound || second > upperBound { return 0 }
        var continuation = 2
        while continuation < length {
            if bytes[continuation] & 0xC0 != 0x80 { return 0 }
            continuation += 1
        }
        return length
    }

    /// Returns the offset (relative to the start of `bytes`) of the first byte that is not part
    /// of a valid UTF-8 sequence, or `nil` when the whole buffer is valid.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            let length = sequenceLength(at: UnsafeBufferPointer(rebasing: bytes[index...]))
            if length == 0 { return index }
            index += length
        }
        return nil
    }

    /// Convenience over a byte array.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
    }
}
