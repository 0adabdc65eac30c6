/// Splits one CSV or TSV record into cells.
///
/// CSV follows RFC 4180: a cell may be wrapped in double quotes, inside which `""` is a literal
/// quote and commas and line breaks are data; a quote inside an unquoted cell, or anything but a
/// comma after a closing quote, is an error. TSV follows the Amazon Customer Reviews files: cells
/// are separated by tabs and never quoted (quote characters are data).
///
/// Cells are unquoted into one reusable scratch buffer, so parsing a row allocates nothing once
/// the buffers have grown to the longest row.
struct DelimitedRowParser {
    struct Cell {
        var start: Int
        var end: Int
        var wasQuoted: Bool
    }

    let format: RecordFileFormat
    /// Unquoted cell contents, back to back; `cells` index into it.
    private(set) var scratch: [UInt8] = []
    private(set) var cells: [Cell] = []

    init(format: RecordFileFormat) {
        self.format = format
        scratch.reserveCapacity(4096)
        cells.reserveCapacity(32)
    }

    /// Parses `record` (without its final line terminator). Returns an error reason, or `nil`
    /// on success with the cells in `cells`.
    mutating func parse(_ record: UnsafeBufferPointer<UInt8>) -> String? {
        scratch.removeAll(keepingCapacity: true)
        cells.removeAll(keepingCapacity: true)
        switch format {
        case .tsv:
            splitTSV(record)
            return nil
        case .csv:
            return splitCSV(record)
        case .jsonLines:
            return "JSON lines are not delimited"
        }
    }

    /// Runs `body` over the bytes of cell `index`.
    func withCell<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let cell = cells[index]
        return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[cell.start..<cell.end])) }
    }

    private mutating func splitTSV(_ record: UnsafeBufferPointer<UInt8>) {
        var cellStart = 0
        for index in 0...record.count where index == record.count || record[index] == 0x09 {
            let start = scratch.count
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: record[cellStart..<index]))
            cells.append(Cell(start: start, end: scratch.count, wasQuoted: false))
            cellStart = index + 1
        }
    }

    private mutating func splitCSV(_ record: UnsafeBufferPointer<UInt8>) -> String? {
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        var index = 0
        let count = record.count
        while true {
            let start = scratch.count
            let cellNumber = cells.count + 1
            if index < count, record[index] == quote {
                index += 1
                var closed = false
                while index < count {
                    let byte = record[index]
                    if byte == quote {
                        if index + 1 < count, record[index + 1] == quote {
                            scratch.append(quote)
                            index += 2
                        } else {
                            index += 1
                            closed = true
                            break
                        }
                    } else {
                        scratch.append(byte)
                        index += 1
                    }
                }
                guard closed else { return "unterminated quoted field \(cellNumber)" }
                cells.append(Cell(start: start, end: scratch.count, wasQuoted: true))
                if index == count { return nil }
                guard record[index] == comma else {
                    return "unexpected character after the closing quote of field \(cellNumber)"
                }
                index += 1
            } else {
                while index < count, record[index] != comma {
                    if record[index] == quote { return "quote character inside unquoted field \(cellNumber)" }
                    scratch.append(record[index])
                    index += 1
                }
                cells.append(Cell(start: start, end: scratch.count, wasQuoted: false))
                if index == count { return nil }
                index += 1 // comma; a trailing comma means one more, empty, cell
            }
        }
    }
}
