#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EddySQL
import EddyCore

/// Replays files through an engine: JSONL/CSV/TSV lines become messages of their source stream,
/// several inputs are merged by rowtime (the head line of each file is compared), and processing
/// time follows the largest rowtime read so far. Used by `eddy run --input` and the golden tests.
public struct Replay {
    public struct Input: Sendable {
        public var stream: String
        public var path: String
        public var lines: [String]
        /// 1-based file line of each entry of `lines` (defaults to its position).
        public var lineNumbers: [Int]
        public init(stream: String, path: String, lines: [String], lineNumbers: [Int]? = nil) {
            self.stream = stream
            self.path = path
            self.lines = lines
            self.lineNumbers = lineNumbers ?? Array(stride(from: 1, through: lines.count, by: 1))
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

    /// Runs all inputs to the end and fires every open window. `progress` is called every 65,536 records.
    /// Sources without a 'rowtime' column get the time each record is read (`readClock`, epoch
    /// milliseconds; the wall clock by default), which is KDA's processing-time behaviour.
    public static func run(_ engine: Engine, inputs: [Input], readClock: () -> Int64 = Replay.wallClockMillis,
                           progress: ((Int) -> Void)? = nil) throws(Failure) {
        var cursors: [(source: Int, input: Input, next: Int, head: Int64?)] = []
        for input in inputs {
            guard let source = engine.sourceIndex(named: input.stream) else {
                throw .unknownSource(input.stream, known: engine.sourceNames)
            }
            let definition = engine.topology.streams[source]
            var skip = false
            if definition.binding.format != .json, let first = input.lines.first {
                let separator: Character = definition.binding.format == .csv ? "," : "\t"
                let fields = first.split(separator: separator).map { $0.uppercased().trimmingCharacters(in: "\" ") }
                skip = fields == definition.schema.columns.map { $0.name.uppercased() }
                    || fields == definition.schema.columns.map { ($0.path.first ?? "").uppercased() }
            }
            let first = skip ? 1 : 0
            cursors.append((source, input, first, first < input.lines.count ? Self.peekRowtime(engine, source, input.lines[first]) : nil))
        }
        var count = 0
        while true {
            var best = -1
            var bestTime = Int64.max
            for (k, c) in cursors.enumerated() where c.next < c.input.lines.count {
                let t = c.head ?? Int64.min
                if best < 0 || t < bestTime { best = k; bestTime = t }
            }
            if best < 0 { break }
            let line = cursors[best].input.lines[cursors[best].next]
            let lineNumber = Int64(cursors[best].input.lineNumbers[cursors[best].next])
            cursors[best].next += 1
            let c = cursors[best]
            cursors[best].head = c.next < c.input.lines.count ? Self.peekRowtime(engine, c.source, c.input.lines[c.next]) : nil
            if line.isEmpty { continue }
            if bestTime != Int64.min { engine.advanceProcessingTime(to: bestTime) }
            let readTime = engine.hasRowtimeColumn(source: cursors[best].source) ? engine.processingNow : readClock()
            var text = line
            text.withUTF8 { bytes in
                engine.process(source: cursors[best].source, partition: 0, offset: lineNumber, timestamp: readTime,
                               value: UnsafeRawBufferPointer(bytes), origin: RecordOrigin(file: cursors[best].input.path))
            }
            count += 1
            if count & 0xFFFF == 0 { progress?(count) }
        }
        engine.finish()
    }

    /// Milliseconds since the Unix epoch from the system clock.
    public static func wallClockMillis() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }

    /// The rowtime a line will get, for merging files (nil when it cannot be decoded: it goes first and becomes an error row).
    static func peekRowtime(_ engine: Engine, _ source: Int, _ line: String) -> Int64? {
        engine.peekRowtime(source: source, line: line)
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

    func peekRowtime(source: Int, line: String) -> Int64? {
        guard let runtime = sources[source], let c = runtime.rowtimeColumn else { return nil }
        let peekFrame = Frame(count: runtime.definition.schema.count, arena: ByteArena(capacity: 256))
        var text = line
        let ok: Bool = text.withUTF8 { bytes in
            do { try runtime.decode(UnsafeRawBufferPointer(bytes), into: peekFrame); return true } catch { return false }
        }
        guard ok, !peekFrame.nulls[c] else { return nil }
        return peekFrame.int(c)
    }
}

/// Formatting helpers for tools.
public enum EngineFormatting {
    public static func iso(_ millis: Int64) -> String { CivilTime.isoString(millis) }
}
