/// Strict UTF-8 validation (no over-long forms, no surrogates, nothing above U+10FFFF), with an
/// 8-bytes-at-a-time ASCII fast path because most messages are mostly ASCII.
public enum UTF8Validation {
    /// Returns the byte offset of the first invalid sequence, or nil when the bytes are valid UTF-8.
    @inlinable public static func firstInvalidOffset(_ b: UnsafeRawBufferPointer) -> Int? {
        let n = b.count
        var i = 0
        while i < n {
            if i + 8 <= n, b.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var need = 0
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return i
            }
            if i + need >= n { return i }
            let c1 = b[i + 1]
            if c1 < lower || c1 > upper { return i }
            var k = 2
            while k <= need {
                if b[i + k] & 0xC0 != 0x80 { return i }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// Length of the valid multi-byte sequence starting at `i` (lead byte ≥ 0x80), or 0 when invalid.
    @inlinable public static func sequenceLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int {
        let n = b.count
        var need = 0
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch b[i] {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: return 0
        }
        if i + need >= n { return 0 }
        let c1 = b[i + 1]
        if c1 < lower || c1 > upper { return 0 }
        var k = 2
        while k <= need {
            if b[i + k] & 0xC0 != 0x80 { return 0 }
            k += 1
        }
        return need + 1
    }

    /// Number of Unicode scalars in valid UTF-8 bytes (the unit of VARCHAR(n)).
    /// Counts the continuation bytes (10xxxxxx) eight at a time: CHAR_LENGTH and VARCHAR checks
    /// run it over whole review texts on the per-record path.
    @inlinable public static func scalarCount(_ b: UnsafeRawBufferPointer) -> Int {
        guard let base = b.baseAddress else { return 0 }
        let n = b.count
        var continuation = 0
        var i = 0
        // Sixteen ASCII bytes hold no continuation byte: skip them without counting bits (the
        // population count is a software routine on baseline x86-64, and most text is ASCII).
        while i + 16 <= n {
            let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self), w = base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            if (v | w) & 0x8080_8080_8080_8080 != 0 {
                continuation &+= (v & ~(v << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                continuation &+= (w & ~(w << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            }
            i &+= 16
        }
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Bit 7 of each byte set where bit 7 is 1 and bit 6 is 0.
            continuation &+= (v & ~(v << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            i &+= 8
        }
        while i < n {
            if base.load(fromByteOffset: i, as: UInt8.self) & 0xC0 == 0x80 { continuation &+= 1 }
            i &+= 1
        }
        return n &- continuation
    }
}

/// Base64 for raw payloads that are not UTF-8 (error_stream rows).
public enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ b: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((b.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= b.count {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = b.count - i
        if rest > 0 {
            let v = UInt32(b[i]) << 16 | (rest == 2 ? UInt32(b[i + 1]) << 8 : 0)
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
