#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EddySQL
import EddyCore

/// Replays files through an engine: JSONL/CSV/TSV records become messages of their source stream,
/// several inputs are merged by rowtime (the head record of each input is compared), and
/// processing time follows the largest rowtime processed so far. Inputs are read as they are consumed,
/// so history files larger than memory replay fine. Used by `eddy run --input` and the golden tests.
public struct Replay {
    /// One record of an input: its 1-based line in the file and its bytes.
    public struct Record: Sendable {
        public var line: Int
        public var bytes: [UInt8]
        /// Why the reader could not turn the line into a record (it becomes an error_stream row).
        public var failure: String?
        public init(line: Int, bytes: [UInt8], failure: String? = nil) { self.line = line; self.bytes = bytes; self.failure = failure }
    }

    public struct Input {
        public var stream: String
        public var path: String
        let next: () -> Record?

        /// An input read lazily: `records` returns nil at the end.
        public init(stream: String, path: String, records: @escaping () -> Record?) {
            self.stream = stream
            self.path = path
            next = records
        }

        /// An input held in memory (tests); `lineNumbers` default to positions.
        public init(stream: String, path: String, lines: [String], lineNumbers: [Int]? = nil) {
            let numbers = lineNumbers ?? Array(stride(from: 1, through: lines.count, by: 1))
            var index = 0
            self.init(stream: stream, path: path) {
                guard index < lines.count else { return nil }
                defer { index += 1 }
                return Record(line: numbers[index], bytes: Array(lines[index].utf8))
            }
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case unknownSource(String, known: [String])
        public var description: String {
            switch self {
            case .unknownSource(let s, let known): "unknown source stream \"\(s)\"; sources of this topology: \(known.joined(separator: ", "))"
            }
        }
    }

    /// An input being merged: its next record and that record's rowtime.
    struct Cursor {
        var source: Int
        var input: Input
        var head: Record?
        var headTime: Int64?

        /// Reads the next record; with several inputs to merge, also decodes its rowtime ahead.
        mutating func advance(_ engine: Engine, merging: Bool) {
            head = input.next()
            headTime = merging ? head.flatMap { $0.failure == nil ? engine.peekRowtime(source: source, bytes: $0.bytes) : nil } : nil
        }
    }

    /// Runs all inputs to the end and fires every open window. `progress` gets the number of
    /// records and of bytes read so far, every 65,536 records.
    /// Sources without a 'rowtime' column get the time each record is read (`readClock`, epoch
    /// milliseconds; the wall clock by default), which is KDA's processing-time behaviour.
    public static func run(_ engine: Engine, inputs: [Input], readClock: () -> Int64 = Replay.wallClockMillis,
                           progress: ((_ records: Int, _ bytes: Int) -> Void)? = nil) throws(Failure) {
        var cursors: [Cursor] = []
        let merging = inputs.count > 1
        for input in inputs {
            guard let source = engine.sourceIndex(named: input.stream) else {
                throw .unknownSource(input.stream, known: engine.sourceNames)
            }
            var cursor = Cursor(source: source, input: input, head: nil, headTime: nil)
            cursor.advance(engine, merging: merging)
            let definition = engine.topology.streams[source]
            if definition.binding.format != .json, let first = cursor.head {
                // A header row naming the columns is skipped.
                let separator: Character = definition.binding.format == .csv ? "," : "\t"
                let fields = String(decoding: first.bytes, as: UTF8.self).split(separator: separator)
                    .map { $0.uppercased().trimmingCharacters(in: "\" \r") }
                if fields == definition.schema.columns.map({ $0.name.uppercased() })
                    || fields == definition.schema.columns.map({ ($0.path.first ?? "").uppercased() }) {
                    cursor.advance(engine, merging: merging)
                }
            }
            cursors.append(cursor)
        }
        var count = 0
        var bytesRead = 0
        while true {
            var best = -1
            var bestTime = Int64.max
            for (k, c) in cursors.enumerated() where c.head != nil {
                let t = c.headTime ?? Int64.min
                if best < 0 || t < bestTime { best = k; bestTime = t }
            }
            if best < 0 { break }
            let record = cursors[best].head!
            let source = cursors[best].source
            let path = cursors[best].input.path
            cursors[best].advance(engine, merging: merging)
            bytesRead += record.bytes.count + 1
            if record.bytes.isEmpty { continue }
            let readTime = engine.hasRowtimeColumn(source: source) ? engine.processingNow : readClock()
            record.bytes.withUnsafeBytes { bytes in
                if let failure = record.failure {
                    engine.reject(source: source, partition: 0, offset: Int64(record.line), value: bytes,
                                  origin: RecordOrigin(file: path), error: DecodeError(.malformed, failure))
                } else {
                    engine.process(source: source, partition: 0, offset: Int64(record.line), timestamp: readTime,
                                   value: bytes, origin: RecordOrigin(file: path))
                }
            }
            // Processing time is the highest rowtime processed so far (replay has no other clock).
            if engine.highestRowtime > engine.processingNow { engine.advanceProcessingTime(to: engine.highestRowtime) }
            count += 1
            if count & 0xFFFF == 0 { progress?(count, bytesRead) }
        }
        engine.finish()
    }

    /// Milliseconds since the Unix epoch from the system clock.
    public static func wallClockMillis() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }

}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Engine {
    /// Processing time as seen by the engine (replay: the largest rowtime read so far).
    public var processingNow: Int64 { clock.now }

    /// Whether a source takes ROWTIME from a column (event time) rather than the message timestamp.
    public func hasRowtimeColumn(source: Int) -> Bool { sources[source]?.rowtimeColumn != nil }

    /// The rowtime a record will get, for merging inputs (nil when it cannot be decoded: it goes
    /// first and becomes an error row).
    func peekRowtime(source: Int, bytes: [UInt8]) -> Int64? {
        guard let runtime = sources[source], let c = runtime.rowtimeColumn else { return nil }
        let frame = runtime.peekFrame
        frame.arena.reset()
        let ok: Bool = bytes.withUnsafeBytes { raw in
            do { try runtime.decode(raw, into: frame); return true } catch { return false }
        }
        guard ok, !frame.nulls[c] else { return nil }
        return frame.int(c)
    }
}

/// Formatting helpers for tools.
public enum EngineFormatting {
    public static func iso(_ millis: Int64) -> String { CivilTime.isoString(millis) }
}

/// Reads a text file line by line with `getline` (one reused buffer), for JSONL and raw CSV/TSV
/// inputs. Line terminators (`\n`, `\r\n`) are removed.
public final class LineFileReader {
    let file: UnsafeMutablePointer<FILE>
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    var lineNumber = 0

    public init?(path: String) {
        guard let file = fopen(path, "rb") else { return nil }
        self.file = file
    }

    deinit {
        fclose(file)
        free(buffer)
    }

    public func next() -> Replay.Record? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        lineNumber += 1
        var length = n
        while length > 0, buffer[length - 1] == 0x0A || buffer[length - 1] == 0x0D { length -= 1 }
        return Replay.Record(line: lineNumber, bytes: Array(UnsafeRawBufferPointer(start: buffer, count: length)))
    }
}
