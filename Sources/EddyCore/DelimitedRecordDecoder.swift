/// Decodes one CSV or TSV line into a frame: fields in column order, RFC 4180 quoting for CSV.
/// An empty field is NULL for non-string columns and the empty string for string columns.
public final class DelimitedRecordDecoder {
    let schema: Schema
    let separator: UInt8
    let quoting: Bool
    let scratch = ByteArena(capacity: 256)

    public init(schema: Schema, separator: UInt8) {
        self.schema = schema
        self.separator = separator
        quoting = separator == UInt8(ascii: ",")
    }

    public func decode(_ input: UnsafeRawBufferPointer, into frame: Frame) throws(DecodeError) {
        if let bad = UTF8Validation.firstInvalidOffset(input) {
            throw DecodeError(.invalidUTF8, "invalid UTF-8 at byte \(bad)")
        }
        var b = input
        while let last = b.last, last == 0x0A || last == 0x0D { b = UnsafeRawBufferPointer(rebasing: b.dropLast()) }
        var i = 0
        var field = 0
        let n = b.count
        while true {
            guard field < schema.count else {
                throw DecodeError(.malformed, "malformed \(quoting ? "CSV" : "TSV"): more than \(schema.count) fields")
            }
            var text: UnsafeRawBufferPointer
            if quoting, i < n, b[i] == UInt8(ascii: "\"") {
                scratch.reset()
                i += 1
                var closed = false
                while i < n {
                    if b[i] == UInt8(ascii: "\"") {
                        if i + 1 < n, b[i + 1] == UInt8(ascii: "\"") { scratch.append(0x22); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    scratch.append(b[i]); i += 1
                }
                if !closed { throw DecodeError(.malformed, "malformed CSV: unterminated quoted field \(field + 1)") }
                if i < n, b[i] != separator { throw DecodeError(.malformed, "malformed CSV: text after closing quote in field \(field + 1)") }
                text = UnsafeRawBufferPointer(start: scratch.storage, count: scratch.count)
            } else {
                let start = i
                while i < n, b[i] != separator { i += 1 }
                text = UnsafeRawBufferPointer(rebasing: b[start..<i])
            }
            let column = schema.columns[field]
            if text.isEmpty, column.type.kind != .string {
                frame.setNull(field)
            } else {
                do {
                    try SlotConversion.storeText(text, type: column.type, slot: field, frame: frame)
                } catch {
                    throw error.naming(column.name)
                }
            }
            field += 1
            if i < n, b[i] == separator { i += 1; continue }
            break
        }
        if field != schema.count {
            throw DecodeError(.malformed, "malformed \(quoting ? "CSV" : "TSV"): expected \(schema.count) fields, found \(field)")
        }
    }
}
