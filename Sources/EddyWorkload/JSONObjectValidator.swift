import EddyCore

/// A strict RFC 8259 validator for "exactly one JSON object" in a buffer.
///
/// Used on every JSON line read from a file, so it is a single forward pass over the bytes with
/// no allocation on success. It rejects what a lenient parser would repair: trailing commas,
/// single quotes, NaN, leading zeros, control characters in strings, invalid UTF-8, unpaired
/// `\u` surrogates and anything after the closing brace.
public enum JSONObjectValidator {
    /// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 256

    /// Returns `nil` when `bytes` hold exactly one JSON object (surrounding whitespace allowed),
    /// or a human-readable reason naming the 1-based column of the problem.
    public static func problem(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { problem(in: $0) }
    }

    /// Buffer form of `problem(in:)`.
    public static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var scanner = Scanner(bytes: bytes)
        do throws(Failure) {
            scanner.skipWhitespace()
            guard scanner.index < bytes.count else { throw Failure(.emptyInput, at: scanner.index) }
            guard bytes[scanner.index] == UInt8(ascii: "{") else { throw Failure(.notAnObject, at: scanner.index) }
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if scanner.index < bytes.count { throw Failure(.trailingData, at: scanner.index) }
            return nil
        } catch {
            return error.describe(in: bytes)
        }
    }

    struct Failure: Error {
        enum Problem {
            case emptyInput, notAnObject, trailingData, unexpectedEnd, unexpectedByte, expectedKey
            case expectedColon, expectedCommaOrBrace, expectedCommaOrBracket, invalidLiteral, invalidNumber
            case controlCharacterInString, invalidEscape, unpairedSurrogate, invalidUTF8, tooDeep
        }
        let problem: Problem
        let offset: Int
        init(_ problem: Problem, at offset: Int) {
            self.problem = problem
            self.offset = offset
        }

        func describe(in bytes: UnsafeBufferPointer<UInt8>) -> String {
            let found: String
            if offset < bytes.count {
                let byte = bytes[offset]
                found = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
            } else {
                found = "end of line"
            }
            let what: String = switch problem {
            case .emptyInput: "empty record"
            case .notAnObject: "not a JSON object: expected '{' but found \(found)"
            case .trailingData: "unexpected \(found) after the end of the JSON object"
            case .unexpectedEnd: "truncated JSON: unexpected end of line"
            case .unexpectedByte: "unexpected \(found)"
            case .expectedKey: "expected a string key but found \(found)"
            case .expectedColon: "expected ':' but found \(found)"
            case .expectedCommaOrBrace: "expected ',' or '}' but found \(found)"
            case .expectedCommaOrBracket: "expected ',' or ']' but found \(found)"
            case .invalidLiteral: "invalid literal (only true, false and null are allowed)"
            case .invalidNumber: "invalid number"
            case .controlCharacterInString: "unescaped control character (\(found)) in string"
            case .invalidEscape: "invalid escape sequence in string"
            case .unpairedSurrogate: "unpaired UTF-16 surrogate in \\u escape"
            case .invalidUTF8: "invalid UTF-8 (\(found))"
            case .tooDeep: "nesting deeper than \(JSONObjectValidator.maximumDepth) levels"
            }
            return "\(what) at column \(offset + 1)"
        }
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        func peek() throws(Failure) -> UInt8 {
            guard index < bytes.count else { throw Failure(.unexpectedEnd, at: index) }
            return bytes[index]
        }

        mutating func value(depth: Int) throws(Failure) {
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default:
                throw Failure(bytes[index] >= 0x80 ? .invalidUTF8 : .unexpectedByte, at: index)
            }
        }

        mutating func object(depth: Int) throws(Failure) {
            if depth > JSONObjectValidator.maximumDepth { throw Failure(.tooDeep, at: index) }
            index += 1 // '{'
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard try peek() == UInt8(ascii: "\"") else { throw Failure(.expectedKey, at: index) }
                try string()
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else { throw Failure(.expectedColon, at: index) }
                index += 1
                try value(depth: depth)
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return
                default: throw Failure(.expectedCommaOrBrace, at: index)
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            if depth > JSONObjectValidator.maximumDepth { throw Failure(.tooDeep, at: index) }
            index += 1 // '['
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try value(depth: depth)
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return
                default: throw Failure(.expectedCommaOrBracket, at: index)
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let start = index
            let length = word.utf8CodeUnitCount
            guard start + length <= bytes.count else { throw Failure(.invalidLiteral, at: start) }
            let matches = word.withUTF8Buffer { expected in
                for offset in 0..<length where bytes[start + offset] != expected[offset] { return false }
                return true
            }
            guard matches else { throw Failure(.invalidLiteral, at: start) }
            index += length
        }

        mutating func number() throws(Failure) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw Failure(.invalidNumber, at: start) }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) { throw Failure(.invalidNumber, at: start) }
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw Failure(.invalidNumber, at: start) }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw Failure(.invalidNumber, at: start) }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
        }

        mutating func string() throws(Failure) {
            index += 1 // opening quote
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    try escape()
                case 0..<0x20:
                    throw Failure(.controlCharacterInString, at: index)
                case 0x80...:
                    let length = UTF8Validation.sequenceLength(UnsafeRawBufferPointer(bytes), at: index)
                    guard length > 0 else { throw Failure(.invalidUTF8, at: index) }
                    index += length
                default:
                    index += 1
                }
            }
            throw Failure(.unexpectedEnd, at: index)
        }

        mutating func escape() throws(Failure) {
            let start = index
            index += 1 // backslash
            guard index < bytes.count else { throw Failure(.unexpectedEnd, at: index) }
            switch bytes[index] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                index += 1
            case UInt8(ascii: "u"):
                index += 1
                let unit = try hex4(escapeStart: start)
                if unit >= 0xD800 && unit <= 0xDBFF {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw Failure(.unpairedSurrogate, at: start)
                    }
                    index += 2
                    let low = try hex4(escapeStart: start)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw Failure(.unpairedSurrogate, at: start) }
                } else if unit >= 0xDC00 && unit <= 0xDFFF {
                    throw Failure(.unpairedSurrogate, at: start)
                }
            default:
                throw Failure(.invalidEscape, at: start)
            }
        }

        mutating func hex4(escapeStart: Int) throws(Failure) -> UInt16 {
            guard index + 4 <= bytes.count else { throw Failure(.invalidEscape, at: escapeStart) }
            var unit: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
                default: throw Failure(.invalidEscape, at: escapeStart)
                }
                unit = unit << 4 | UInt16(nibble)
                index += 1
            }
            return unit
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
