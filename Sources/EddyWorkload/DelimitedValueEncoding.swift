/// How a CSV/TSV cell becomes a JSON value.
///
/// The rule, decided per value (not per column, so one odd row cannot change a column's type):
/// - exactly `true` / `false` (also `True`/`TRUE`, `False`/`FALSE`) → JSON boolean;
/// - a valid JSON number literal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) → JSON number.
///   JSON forbids leading zeros, so ids such as `0012` stay strings, as do `+5`, `.5`, `1.`,
///   ` 7` (with a space), `NaN` and `Infinity`;
/// - an empty unquoted cell → `null` (an empty quoted CSV cell `""` → the empty string),
///   the convention PostgreSQL's `COPY ... CSV` uses;
/// - anything else → JSON string. Quoting does not matter: `"42"` in CSV is still the number 42.
enum DelimitedValueEncoding {
    /// Appends the JSON encoding of one cell (already unquoted, valid UTF-8) to `output`.
    static func appendValue(_ cell: UnsafeBufferPointer<UInt8>, wasQuoted: Bool, to output: inout [UInt8]) {
        if cell.isEmpty {
            if wasQuoted { output.appendLiteral("\"\"") } else { output.appendLiteral("null") }
        } else if let boolean = booleanValue(cell) {
            if boolean { output.appendLiteral("true") } else { output.appendLiteral("false") }
        } else if isJSONNumberLiteral(cell) {
            output.append(contentsOf: cell)
        } else {
            output.appendJSONString(cell)
        }
    }

    static func booleanValue(_ cell: UnsafeBufferPointer<UInt8>) -> Bool? {
        let value: Bool
        if equalsIgnoringASCIICase(cell, "true") {
            value = true
        } else if equalsIgnoringASCIICase(cell, "false") {
            value = false
        } else {
            return nil
        }
        // Accept true, True and TRUE; mixed spellings such as tRuE stay strings.
        let tailIsLower = cell.dropFirst().allSatisfy { $0 >= UInt8(ascii: "a") }
        let allUpper = cell.allSatisfy { $0 <= UInt8(ascii: "Z") }
        return tailIsLower || allUpper ? value : nil
    }

    private static func equalsIgnoringASCIICase(_ cell: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard cell.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { expected in
            for index in 0..<cell.count where cell[index] | 0x20 != expected[index] { return false }
            return true
        }
    }

    /// Whether the whole cell is one JSON number literal (RFC 8259 grammar).
    static func isJSONNumberLiteral(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = cell.count
        func isDigit(_ index: Int) -> Bool {
            index < count && cell[index] >= UInt8(ascii: "0") && cell[index] <= UInt8(ascii: "9")
        }
        if index < count, cell[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return false }
        if cell[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < count, cell[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
        }
        if index < count, cell[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, cell[index] == UInt8(ascii: "+") || cell[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
        }
        return index == count
    }
}
