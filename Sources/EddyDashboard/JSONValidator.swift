/// Checks that alert text is one well-formed JSON object before the hub splices it, unparsed, into
/// its own JSON (`/api/streams`, server-sent events). One bad alert must not break the page.
struct JSONValidator {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private static let maximumDepth = 64

    private init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// nil when `text` is a JSON object; otherwise the reason, with the byte offset.
    static func objectError(_ text: String) -> String? {
        var validator = JSONValidator(text)
        do throws(Failure) {
            validator.skipWhitespace()
            guard validator.peek == UInt8(ascii: "{") else { throw Failure(reason: "it does not start with '{'", at: validator.index) }
            try validator.value()
            validator.skipWhitespace()
            guard validator.index == validator.bytes.count else { throw Failure(reason: "extra text after the object", at: validator.index) }
            return nil
        } catch {
            return "\(error.reason) at byte \(error.at)"
        }
    }

    private struct Failure: Error {
        let reason: String
        let at: Int
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, at: index) }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func value() throws(Failure) {
        skipWhitespace()
        guard let byte = peek else { throw fail("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): try container(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try container(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func container(close: UInt8, keyed: Bool) throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth)") }
        index += 1
        skipWhitespace()
        if peek == close {
            index += 1
            depth -= 1
            return
        }
        while true {
            if keyed {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
            }
            try value()
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(close)
            depth -= 1
            return
        }
    }

    private mutating func string() throws(Failure) {
        index += 1
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw fail("unterminated escape") }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let hex = peek, isHexDigit(hex) else { throw fail("bad \\u escape") }
                        index += 1
                    }
                } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                    throw fail("bad escape")
                }
            case 0..<0x20: throw fail("control character in a string")
            default: break
            }
        }
        throw fail("unterminated string")
    }

    private mutating func literal(_ word: String) throws(Failure) {
        for expected in word.utf8 {
            guard peek == expected else { throw fail("expected '\(word)'") }
            index += 1
        }
    }

    private mutating func number() throws(Failure) {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw fail("unexpected character") }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek, isDigit(digit) else { throw fail("digits expected after '.'") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, isDigit(digit) else { throw fail("digits expected in exponent") }
            skipDigits()
        }
        if index == start { throw fail("unexpected character") }
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
