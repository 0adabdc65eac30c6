/// Byte-level helpers over UTF-8 text, mirroring the Python string predicates VADER relies on.
enum UTF8Text {
    /// Python whitespace in the ASCII range: \t \n \v \f \r, the separators 0x1C–0x1F, and space.
    @inline(__always)
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte &- 0x09 < 5 || byte &- 0x1C < 4
    }

    /// `string.punctuation`: the 32 ASCII punctuation characters VADER strips from word edges.
    @inline(__always)
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        byte &- 0x21 < 15 || byte &- 0x3A < 7 || byte &- 0x5B < 6 || byte &- 0x7B < 4
    }

    /// Length of the non-ASCII Python whitespace character starting at `index` (U+0085, U+00A0,
    /// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), or 0. `text` is valid UTF-8.
    @inline(__always)
    static func multibyteWhitespaceLength(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = text[index]
        let remaining = text.count - index
        switch lead {
        case 0xC2:
            guard remaining >= 2 else { return 0 }
            let next = text[index + 1]
            return next == 0x85 || next == 0xA0 ? 2 : 0
        case 0xE1:
            guard remaining >= 3 else { return 0 }
            return text[index + 1] == 0x9A && text[index + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard remaining >= 3 else { return 0 }
            let second = text[index + 1]
            let third = text[index + 2]
            if second == 0x80 {
                return third &- 0x80 <= 0x0A || third == 0xA8 || third == 0xA9 || third == 0xAF ? 3 : 0
            }
            return second == 0x81 && third == 0x9F ? 3 : 0
        case 0xE3:
            guard remaining >= 3 else { return 0 }
            return text[index + 1] == 0x80 && text[index + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// Byte length of the sequence a valid UTF-8 lead byte starts.
    @inline(__always)
    static func sequenceLength(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// Number of leading ASCII bytes (checks eight at a time).
    static func asciiPrefixLength(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = text.baseAddress else { return 0 }
        var index = 0
        let raw = UnsafeRawPointer(base)
        while index + 8 <= text.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < text.count, text[index] < 0x80 { index += 1 }
        return index
    }

    /// Decodes the scalar at `index`. Returns nil for an invalid sequence (bad lead byte, missing or
    /// bad continuation, overlong form, surrogate, or beyond U+10FFFF).
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int)? {
        let lead = text[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        var scalar: UInt32
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0: length = 3; scalar = 0; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xED: length = 3; scalar = 0x0D; highest = 0x9F
        case 0xF0: length = 4; scalar = 0; lowest = 0x90
        case 0xF1...0xF3: length = 4; scalar = UInt32(lead & 0x07)
        case 0xF4: length = 4; scalar = 4; highest = 0x8F
        default: return nil
        }
        guard index + length <= text.count else { return nil }
        let second = text[index + 1]
        guard second >= lowest, second <= highest else { return nil }
        scalar = scalar << 6 | UInt32(second & 0x3F)
        for offset in 2 ..< length {
            let byte = text[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        return (scalar, length)
    }

    /// Offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidOffset(_ text: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        var index = start
        while index < text.count {
            guard let (_, length) = decode(text, at: index) else { return index }
            index += length
        }
        return nil
    }
}
