/// Reads one top-level field of a JSON object, for `eddy produce --key FIELD`.
///
/// A string's contents become the key without quotes (escapes kept as written); any other value
/// (number, boolean, object...) becomes its JSON text. Returns nil when the field is absent or the
/// record is not an object, so the caller can report it with the line number.
enum JSONKeyField {
    static func value(of field: [UInt8], in json: [UInt8]) -> [UInt8]? {
        var index = 0
        func skipSpace() {
            while index < json.count, json[index] == 0x20 || json[index] == 0x09 || json[index] == 0x0A || json[index] == 0x0D { index += 1 }
        }
        /// Index just past the string starting at `start` (which is a quote).
        func stringEnd(_ start: Int) -> Int? {
            var i = start + 1
            while i < json.count {
                switch json[i] {
                case UInt8(ascii: "\\"): i += 2
                case UInt8(ascii: "\""): return i + 1
                default: i += 1
                }
            }
            return nil
        }
        /// Index just past the value starting at `index`.
        func valueEnd(_ start: Int) -> Int? {
            guard start < json.count else { return nil }
            if json[start] == UInt8(ascii: "\"") { return stringEnd(start) }
            var depth = 0
            var i = start
            while i < json.count {
                let byte = json[i]
                if byte == UInt8(ascii: "\"") {
                    guard let end = stringEnd(i) else { return nil }
                    i = end
                    continue
                }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { return i }
                    depth -= 1
                    if depth == 0 { return i + 1 }
                }
                if depth == 0 && byte == UInt8(ascii: ",") { return i }
                i += 1
            }
            return depth == 0 ? i : nil
        }
        skipSpace()
        guard index < json.count, json[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while true {
            skipSpace()
            guard index < json.count, json[index] == UInt8(ascii: "\"") , let keyEnd = stringEnd(index) else { return nil }
            let name = json[(index + 1)..<(keyEnd - 1)]
            index = keyEnd
            skipSpace()
            guard index < json.count, json[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let end = valueEnd(index) else { return nil }
            if name.elementsEqual(field) {
                var value = Array(json[index..<end])
                while let last = value.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { value.removeLast() }
                if value.first == UInt8(ascii: "\""), value.count >= 2 { return Array(value.dropFirst().dropLast()) }
                return value
            }
            index = end
            skipSpace()
            guard index < json.count, json[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }
}
