import EddyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a JSON-lines, CSV or TSV file as a sequence of records, each one JSON object.
///
/// - JSON lines: every non-blank line must be exactly one JSON object (strictly validated).
/// - CSV/TSV: the first non-blank line is the header and names the fields; every following
///   non-blank row becomes `{"<name>": <value>, ...}` in header order, with values typed per
///   `DelimitedValueEncoding` (numbers, booleans, null for empty cells, otherwise strings).
///
/// Problems with single records (invalid JSON or UTF-8, wrong field count, bad quoting) are
/// yielded as `.malformed` with the 1-based line where the record starts, so nothing is dropped.
/// Line terminators may be `\n` or `\r\n`; a UTF-8 byte-order mark at the start is ignored.
///
/// The reader streams the file in 1 MiB chunks. It is a single-pass iterator: copies share the
/// underlying file position.
public struct RecordFileReader: Sequence, IteratorProtocol {
    public let path: String
    public let format: RecordFileFormat
    private let source: ByteSource
    private var rowParser: DelimitedRowParser
    private var nextLineNumber = 1
    private var atFileStart = true
    /// Pre-encoded `"name":` per header column, once the header has been read.
    private var headerKeys: [[UInt8]]?
    private var headerProblemLine: Int?

    /// Opens `path`. Without `format`, infers it from the extension (see `RecordFileFormat`).
    public init(path: String, format: RecordFileFormat? = nil) throws(RecordFileError) {
        guard let resolved = format ?? RecordFileFormat(inferringFromPath: path) else {
            throw RecordFileError(
                kind: .unknownFormat, path: path,
                reason: "use a .jsonl, .json, .ndjson, .csv, .tsv or .tab extension, or name the format"
            )
        }
        self.source = try ByteSource(path: path)
        self.path = path
        self.format = resolved
        self.rowParser = DelimitedRowParser(format: resolved)
    }

    /// Reads records from bytes already in memory; `name` stands in for the path in messages.
    public init(bytes: [UInt8], format: RecordFileFormat, name: String = "<memory>") {
        self.source = ByteSource(bytes: bytes, name: name)
        self.path = name
        self.format = format
        self.rowParser = DelimitedRowParser(format: format)
    }

    public mutating func next() -> RecordLine? {
        while true {
            guard let raw = nextRawRecord() else {
                if let readError = source.takeReadError() {
                    return .malformed(line: nextLineNumber, reason: readError, raw: [])
                }
                return nil
            }
            let line = nextLineNumber
            nextLineNumber += raw.lines
            let isFirst = atFileStart
            atFileStart = false
            let result = source.buffer.withUnsafeBufferPointer { buffer -> RecordLine? in
                var record = UnsafeBufferPointer(rebasing: buffer[raw.start..<raw.end])
                if isFirst, record.starts(with: [0xEF, 0xBB, 0xBF]) {
                    record = UnsafeBufferPointer(rebasing: record[3...])
                }
                switch format {
                case .jsonLines: return jsonLine(record, line: line)
                case .csv, .tsv: return delimitedRow(record, line: line)
                }
            }
            if let result { return result }
        }
    }

    // MARK: - Per-format conversion

    private func jsonLine(_ record: UnsafeBufferPointer<UInt8>, line: Int) -> RecordLine? {
        var lower = record.startIndex
        var upper = record.endIndex
        while lower < upper, Self.isBlank(record[lower]) { lower += 1 }
        while upper > lower, Self.isBlank(record[upper - 1]) { upper -= 1 }
        if lower == upper { return nil }
        let trimmed = UnsafeBufferPointer(rebasing: record[lower..<upper])
        if let problem = JSONObjectValidator.problem(in: trimmed) {
            return .malformed(line: line, reason: problem, raw: Array(record))
        }
        return .record(line: line, json: Array(trimmed))
    }

    private mutating func delimitedRow(_ record: UnsafeBufferPointer<UInt8>, line: Int) -> RecordLine? {
        if record.isEmpty { return nil }
        if let invalid = UTF8Validation.firstInvalidOffset(UnsafeRawBufferPointer(record)) {
            let reason = "invalid UTF-8 (byte 0x\(String(record[invalid], radix: 16, uppercase: true))) at column \(invalid + 1)"
            if headerKeys == nil && headerProblemLine == nil {
                headerProblemLine = line
                return .malformed(line: line, reason: "invalid header row: \(reason)", raw: Array(record))
            }
            return .malformed(line: line, reason: reason, raw: Array(record))
        }
        if let problemLine = headerProblemLine {
            return .malformed(line: line, reason: "no valid header row (the header on line \(problemLine) is malformed)", raw: Array(record))
        }
        if let problem = rowParser.parse(record) {
            if headerKeys == nil {
                headerProblemLine = line
                return .malformed(line: line, reason: "invalid header row: \(problem)", raw: Array(record))
            }
            return .malformed(line: line, reason: problem, raw: Array(record))
        }
        guard let keys = headerKeys else {
            if let problem = readHeader() {
                headerProblemLine = line
                return .malformed(line: line, reason: "invalid header row: \(problem)", raw: Array(record))
            }
            return nil
        }
        guard rowParser.cells.count == keys.count else {
            return .malformed(
                line: line,
                reason: "expected \(keys.count) fields (as in the header), found \(rowParser.cells.count)",
                raw: Array(record)
            )
        }
        var json: [UInt8] = []
        json.reserveCapacity(record.count + keys.count * 24 + 2)
        json.append(UInt8(ascii: "{"))
        for (index, key) in keys.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: key)
            let wasQuoted = rowParser.cells[index].wasQuoted
            rowParser.withCell(index) { DelimitedValueEncoding.appendValue($0, wasQuoted: wasQuoted, to: &json) }
        }
        json.append(UInt8(ascii: "}"))
        return .record(line: line, json: json)
    }

    /// Turns the parsed header cells into pre-encoded keys, or explains why they cannot be keys.
    private mutating func readHeader() -> String? {
        var keys: [[UInt8]] = []
        var seen: Set<[UInt8]> = []
        for index in rowParser.cells.indices {
            let name = rowParser.withCell(index) { Array($0) }
            if name.isEmpty { return "column \(index + 1) has an empty name" }
            guard seen.insert(name).inserted else {
                return "duplicate column name '\(String(decoding: name, as: UTF8.self))'"
            }
            var key: [UInt8] = []
            key.appendJSONString(name)
            key.append(UInt8(ascii: ":"))
            keys.append(key)
        }
        headerKeys = keys
        return nil
    }

    // MARK: - Record boundaries

    /// Finds the next record in the source and consumes it with its terminator. Returns the
    /// record's byte range in `source.buffer` (valid until the next call) and how many physical
    /// lines it spans (CSV quoted fields may contain line breaks).
    private mutating func nextRawRecord() -> (start: Int, end: Int, lines: Int)? {
        var scanFrom = source.start
        var state = CSVBoundaryState.fieldStart
        var embeddedNewlines = 0
        let quoteAware = format == .csv
        while true {
            let newline: Int? = source.buffer.withUnsafeBufferPointer { buffer in
                if quoteAware {
                    var index = scanFrom
                    while index < source.end {
                        let byte = buffer[index]
                        if byte == 0x0A {
                            if state != .quoted { return index }
                            embeddedNewlines += 1
                        } else {
                            state = state.after(byte)
                        }
                        index += 1
                    }
                    return nil
                }
                guard scanFrom < source.end, let base = buffer.baseAddress,
                      let found = memchr(base + scanFrom, 0x0A, source.end - scanFrom) else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            if let newline {
                let start = source.start
                source.start = newline + 1
                return (start, trimmingCarriageReturn(start, newline), embeddedNewlines + 1)
            }
            let scannedLength = source.end - source.start
            if source.fill() {
                scanFrom = source.start + scannedLength
                continue
            }
            guard source.start < source.end else { return nil }
            let start = source.start
            source.start = source.end
            return (start, trimmingCarriageReturn(start, source.end), embeddedNewlines + 1)
        }
    }

    /// Where a CSV scan is relative to RFC 4180 structure. Only a quote at the start of a field
    /// opens a quoted field, so a stray quote inside an unquoted field (a malformed row) does not
    /// swallow the following lines.
    private enum CSVBoundaryState {
        case fieldStart, unquoted, quoted, quoteInQuoted

        func after(_ byte: UInt8) -> CSVBoundaryState {
            let quote = UInt8(ascii: "\"")
            let comma = UInt8(ascii: ",")
            switch self {
            case .fieldStart: return byte == quote ? .quoted : (byte == comma ? .fieldStart : .unquoted)
            case .unquoted: return byte == comma ? .fieldStart : .unquoted
            case .quoted: return byte == quote ? .quoteInQuoted : .quoted
            case .quoteInQuoted: return byte == quote ? .quoted : (byte == comma ? .fieldStart : .unquoted)
            }
        }
    }

    private func trimmingCarriageReturn(_ start: Int, _ end: Int) -> Int {
        end > start && source.buffer[end - 1] == 0x0D ? end - 1 : end
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
