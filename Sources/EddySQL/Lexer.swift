/// A position in a topology file, 1-based.
public struct SourceLocation: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// A problem in a topology, reported as `FILE:LINE:COLUMN: error: message` plus a hint.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var hint: String

    public init(_ location: SourceLocation, _ message: String, hint: String) {
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// The compiler-style rendering, e.g. `reviews.sql:3:7: error: unknown stream "X"` and a hint line.
    public func render(file: String) -> String {
        "\(file):\(location.line):\(location.column): error: \(message)\n  hint: \(hint)"
    }

    public var description: String { render(file: "<topology>") }
}

struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// `folded` is the KDA name (upper-cased unless quoted); `spelling` is as written.
        case identifier(folded: String, spelling: String, quoted: Bool)
        case string(String)
        case number(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    var location: SourceLocation

    /// The keyword this token spells, when it is an unquoted identifier.
    var keyword: String? {
        if case .identifier(let folded, _, false) = kind { return folded }
        return nil
    }
}

/// Splits topology text into tokens, skipping `--` and `/* */` comments.
struct Lexer {
    static func tokenize(_ text: String) throws(Diagnostic) -> [Token] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        var line = 1
        var lineStart = 0
        func location(_ at: Int) -> SourceLocation { SourceLocation(line: line, column: at - lineStart + 1) }

        while i < chars.count {
            let c = chars[i]
            if c == "\n" { i += 1; line += 1; lineStart = i; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                let start = location(i)
                i += 2
                while i < chars.count, !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") {
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    i += 1
                }
                if i >= chars.count { throw Diagnostic(start, "unterminated comment", hint: "close the comment with */") }
                i += 2
                continue
            }
            let start = location(i)
            if c.properties.isAlphabetic || c == "_" {
                var word = ""
                while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || chars[i] == "$" || ("0"..."9").contains(chars[i]) {
                    word.unicodeScalars.append(chars[i]); i += 1
                }
                tokens.append(Token(kind: .identifier(folded: word.uppercased(), spelling: word, quoted: false), location: start))
                continue
            }
            if c == "\"" {
                var word = ""
                i += 1
                while true {
                    guard i < chars.count, chars[i] != "\n" else {
                        throw Diagnostic(start, "unterminated quoted identifier", hint: "close the name with a double quote")
                    }
                    if chars[i] == "\"" {
                        if i + 1 < chars.count, chars[i + 1] == "\"" { word += "\""; i += 2; continue }
                        i += 1; break
                    }
                    word.unicodeScalars.append(chars[i]); i += 1
                }
                tokens.append(Token(kind: .identifier(folded: word, spelling: word, quoted: true), location: start))
                continue
            }
            if c == "'" {
                var text = ""
                i += 1
                while true {
                    guard i < chars.count else {
                        throw Diagnostic(start, "unterminated string literal", hint: "close the string with a single quote ('' inside a string is a quote)")
                    }
                    if chars[i] == "'" {
                        if i + 1 < chars.count, chars[i + 1] == "'" { text += "'"; i += 2; continue }
                        i += 1; break
                    }
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    text.unicodeScalars.append(chars[i]); i += 1
                }
                tokens.append(Token(kind: .string(text), location: start))
                continue
            }
            if ("0"..."9").contains(c) || (c == "." && i + 1 < chars.count && ("0"..."9").contains(chars[i + 1])) {
                var text = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) || chars[i] == "." { text.unicodeScalars.append(chars[i]); i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    text += "e"; i += 1
                    if i < chars.count, chars[i] == "-" || chars[i] == "+" { text.unicodeScalars.append(chars[i]); i += 1 }
                    while i < chars.count, ("0"..."9").contains(chars[i]) { text.unicodeScalars.append(chars[i]); i += 1 }
                }
                tokens.append(Token(kind: .number(text), location: start))
                continue
            }
            let two = i + 1 < chars.count ? String(c) + String(chars[i + 1]) : ""
            if ["<>", "<=", ">=", "!=", "||"].contains(two) {
                tokens.append(Token(kind: .symbol(two == "!=" ? "<>" : two), location: start))
                i += 2
                continue
            }
            if "(),.;*+-/%=<>".unicodeScalars.contains(c) {
                tokens.append(Token(kind: .symbol(String(c)), location: start))
                i += 1
                continue
            }
            throw Diagnostic(start, "unexpected character '\(c)'", hint: "remove it; identifiers use letters, digits and _, or double quotes")
        }
        tokens.append(Token(kind: .end, location: location(i)))
        return tokens
    }
}
