import EddyCore
import EddySQL

/// Reads a source record's partition column and turns its value into the repartition key.
///
/// The record is decoded with Eddy's own scanners (JSON: only the one column's path; CSV/TSV: the
/// stream's columns), never Foundation, and the key is written into buffers owned here, so the per
/// record path allocates nothing once they have grown. Equal SQL values give equal key bytes:
/// strings are their UTF-8 text, integers, dates and timestamps decimal text, booleans
/// `true`/`false`, doubles decimal text when integral (else their 16 hex digits), and NULL the single
/// byte 0x00 (so every NULL row shares one partition, as it shares one group).
final class RepartitionKeyExtractor {
    enum Outcome {
        /// The key bytes, valid until the next call.
        case key(UnsafeRawBufferPointer)
        /// The record cannot be decoded (the engine will report the same problem in its error stream).
        case undecodable(DecodeError)
    }

    private enum Decoder {
        case json(JSONRecordDecoder)
        case delimited(DelimitedRecordDecoder)
    }

    private let decoder: Decoder
    /// The partition column's slot in `frame`.
    private let slot: Int
    /// The rowtime column's slot in `frame`, if the stream has one.
    private let rowtimeSlot: Int?
    /// Event time of the last record `extract` decoded (the rowtime column, else nil).
    private(set) var rowtime: Int64?
    private let kind: ValueKind
    private let frame: Frame
    /// Text of non-string keys.
    private let keyText = ByteArena(capacity: 64)

    /// - Parameters: `stream` is a source stream, `column` the index of its partition column.
    init(stream: StreamDefinition, column: Int) {
        let partition = stream.schema.columns[column]
        kind = partition.type.kind
        switch stream.binding.format {
        case .json, .raw:
            // Only the partition (and rowtime) column's path is matched; the rest of the object is
            // validated and skipped.
            var columns = [partition]
            if let rowtime = stream.binding.rowtimeColumn, rowtime != column { columns.append(stream.schema.columns[rowtime]) }
            decoder = .json(JSONRecordDecoder(schema: Schema(columns)))
            slot = 0
            rowtimeSlot = stream.binding.rowtimeColumn.map { $0 == column ? 0 : 1 }
            frame = Frame(count: columns.count, arena: ByteArena(capacity: 256))
        case .csv, .tsv:
            decoder = .delimited(DelimitedRecordDecoder(schema: stream.schema, separator: stream.binding.format == .csv ? UInt8(ascii: ",") : 0x09))
            slot = column
            rowtimeSlot = stream.binding.rowtimeColumn
            frame = Frame(count: stream.schema.count, arena: ByteArena(capacity: 1024))
        }
    }

    func extract(_ value: UnsafeRawBufferPointer) -> Outcome {
        frame.arena.reset()
        frame.setAllNull()
        rowtime = nil
        do throws(DecodeError) {
            switch decoder {
            case .json(let json): try json.decode(value, into: frame)
            case .delimited(let delimited): try delimited.decode(value, into: frame)
            }
        } catch {
            return .undecodable(error)
        }
        // BIGINT epoch milliseconds and TIMESTAMP share the Int64 slot layout.
        if let rowtimeSlot, !frame.nulls[rowtimeSlot] { rowtime = frame.int(rowtimeSlot) }
        keyText.reset()
        if frame.nulls[slot] {
            keyText.append(0)
            return .key(text)
        }
        let bits = frame.slots[slot]
        switch kind {
        case .string:
            return .key(UnsafeRawBufferPointer(start: frame.arena.storage + StringRef.offset(bits), count: StringRef.length(bits)))
        case .boolean:
            appendASCII(bits != 0 ? "true" : "false")
        case .double:
            let number = Double(bitPattern: bits)
            if number == number.rounded(), abs(number) < 9.0e15 {
                appendDecimal(Int64(number))
            } else {
                appendHex(number.bitPattern)
            }
        default:
            // Integers, dates (days) and timestamps (milliseconds): Int64 bit patterns.
            appendDecimal(Int64(bitPattern: bits))
        }
        return .key(text)
    }

    private var text: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: keyText.storage, count: keyText.count) }

    private func appendASCII(_ word: StaticString) {
        word.withUTF8Buffer { keyText.append(UnsafeRawBufferPointer($0)) }
    }

    private func appendDecimal(_ value: Int64) {
        if value < 0 { keyText.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch on the stack
        withUnsafeMutableBytes(of: &digits) { buffer in
            var n = 0
            repeat {
                buffer[23 - n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            keyText.append(UnsafeRawBufferPointer(rebasing: buffer[(24 - n)...]))
        }
    }

    private func appendHex(_ bits: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { table in
            for shift in stride(from: 60, through: 0, by: -4) { keyText.append(table[Int((bits >> UInt64(shift)) & 0xF)]) }
        }
    }
}
