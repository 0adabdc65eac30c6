public import EddyCore
public import EddySQL
import EddySketches

/// Where a record came from, for error_stream and late_stream rows.
public struct RecordOrigin: Sendable {
    /// The Kafka topic, or the replay file's path.
    public var name: String
    public var isFile: Bool
    public init(topic: String) { name = topic; isFile = false }
    public init(file: String) { name = file; isFile = true }
}

/// A topology that cannot run (a feature the engine does not execute yet).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var description: String { message }
}

/// Runs an analyzed topology. This is the seam for every driver (replay, tests, Kafka runtime):
/// feed `process(source:partition:offset:timestamp:value:origin:)`, move processing time with
/// `advanceProcessingTime(to:)`, call `finish()` at end of input, and drain `outputs`.
/// Single-threaded: one instance per task.
public final class Engine {
    public let topology: Topology
    @exclusivity(unchecked) var nodes: [StreamNode] = []
    @exclusivity(unchecked) var sources: [Int: SourceRuntime] = [:]
    /// The same runtimes indexed by stream, for the per-record lookup.
    @exclusivity(unchecked) var sourceByStream: ContiguousArray<SourceRuntime?> = []
    @exclusivity(unchecked) var orderedOperators: [Operator] = []
    /// The pump of each operator in `orderedOperators` (snapshots name their sections by pump).
    var orderedPumps: [PumpPlan] = []
    let clock = ProcessingClock()
    let scratch = ByteArena(capacity: 1 << 16)
    /// The operator watermark: minimum over active partitions of (max rowtime − lateness).
    @exclusivity(unchecked) public internal(set) var watermark: Int64 = .min
    @exclusivity(unchecked) var counters = Statistics()
    /// The highest rowtime accepted so far (replay derives its processing time from it).
    @exclusivity(unchecked) public internal(set) var highestRowtime = Int64.min
    @exclusivity(unchecked) var commitTracker: CommitTracker?
    /// The minimum watermark over active partitions as of the last `updateWatermark` (Int64.max when
    /// none was active), valid while processing time is still `activeLowAt`. A partition whose own
    /// watermark was above it cannot move the operator watermark by rising, so most records skip
    /// the scan over every partition (32 of them in the benchmark).
    @exclusivity(unchecked) var activeLow = Int64.max
    @exclusivity(unchecked) var activeLowAt = Int64.min
    var finished = false
    /// Whether processing time follows a real clock (the Kafka runtime), so that a rowtime more than
    /// the source's `max_future_skew` ahead of it is an error. Off by default: replay derives
    /// processing time from the rowtimes themselves, and test drivers move it by hand.
    @exclusivity(unchecked) public var checksFutureRowtimes = false

    /// Rows in, errors, late rows, and rows emitted on in-application and output streams.
    public var statistics: Statistics {
        var s = counters
        s.rowsOut = nodes.filter { !$0.definition.isSystem && !$0.definition.isSource }.reduce(0) { $0 + $1.rowsOut }
        return s
    }

    public struct Statistics: Sendable {
        public var recordsIn = 0
        public var errors = 0
        public var lateRows = 0
        public var rowsOut = 0
    }

    /// - Parameter captureAllStreams: also capture streams that are not bound to a topic (tests).
    /// - Parameter trackCommitOffsets: keep per-partition offsets for `releasedCommitPositions()` (Kafka runtime).
    public init(topology: Topology, captureAllStreams: Bool = false, trackCommitOffsets: Bool = false) throws(EngineError) {
        self.topology = topology
        nodes = topology.streams.map(StreamNode.init)
        for node in nodes where !node.definition.isSource {
            if node.definition.isSystem || node.definition.binding.isBound || captureAllStreams {
                node.output = OutputBuffer(streamName: node.definition.name)
            }
        }
        for (i, s) in topology.streams.enumerated() where s.isSource {
            sources[i] = SourceRuntime(definition: s, arena: scratch)
        }
        sourceByStream = ContiguousArray(topology.streams.indices.map { sources[$0] })
        let compiler = ExpressionCompiler(clock: clock)
        var depth = [Int](repeating: 0, count: topology.streams.count)
        for _ in 0..<topology.pumps.count {
            for p in topology.pumps { depth[p.target] = max(depth[p.target], depth[p.source] + 1) }
        }
        let ordered = topology.pumps.sorted { depth[$0.source] < depth[$1.source] }
        for pump in ordered {
            let op = try Self.makeOperator(pump, target: nodes[pump.target], compiler: compiler, topologyName: topology.name,
                                           retention: Self.stateRetention(of: pump.source, in: topology))
            if let problem = compiler.problems.messages.first { throw EngineError(location: pump.location, message: problem) }
            nodes[pump.source].consumers.append(op)
            orderedOperators.append(op)
            orderedPumps.append(pump)
        }
        if trackCommitOffsets {
            let span = topology.pumps.reduce(Int64(0)) { total, pump in
                switch pump.shape {
                case .tumbling(_, let size, _, _): total + size
                case .stagger(_, let range, _, _): total + range
                case .tableFunction(let name, _, _, let arguments, _):
                    if TableFunctionRegistry.isTumbling(name), case .integer(let seconds)? = arguments.last { total + seconds * 1000 } else { total }
                case .projection, .sliding: total
                }
            }
            commitTracker = CommitTracker(span: span)
        }
    }

    static func makeOperator(_ pump: PumpPlan, target: StreamNode, compiler: ExpressionCompiler,
                             topologyName: String = "", retention: Int64 = defaultStateRetentionMillis) throws(EngineError) -> Operator {
        let filter = pump.filter.map(compiler.compile)
        let outputs = pump.outputs.map(compiler.compile)
        switch pump.shape {
        case .projection:
            return ProjectionOperator(filter: filter, outputs: outputs, target: target)
        case .tumbling(let keys, let size, let aggregates, let having):
            return TumblingOperator(filter: filter, keys: keys, size: size, aggregates: aggregates, having: having.map(compiler.compile),
                                    outputs: outputs, target: target, compiler: compiler)
        case .stagger(let keys, let range, let aggregates, let having):
            return StaggerOperator(filter: filter, keys: keys, range: range, aggregates: aggregates, having: having.map(compiler.compile),
                                   outputs: outputs, target: target, compiler: compiler)
        case .sliding(let keys, let frame, let aggregates):
            return SlidingOperator(filter: filter, keys: keys, frame: frame, aggregates: aggregates, outputs: outputs, target: target,
                                   compiler: compiler, retention: retention)
        case .tableFunction(let name, let cursorOutputs, let cursorSchema, let arguments, let outputSchema):
            let call = TableFunctionPlan(name: name, pumpName: pump.name, topologyName: topologyName, location: pump.location,
                                         filter: filter, cursorOutputs: cursorOutputs, cursorSchema: cursorSchema,
                                         arguments: arguments, outputSchema: outputSchema, outputs: outputs, target: target)
            return try TableFunctionOperators.make(call, compiler: compiler, retention: retention)
        }
    }

    /// Index of a source stream by its folded name.
    public func sourceIndex(named name: String) -> Int? {
        sources.keys.first { topology.streams[$0].name == name }
    }

    public var sourceNames: [String] { sources.keys.sorted().map { topology.streams[$0].name } }

    /// Whether `process` reads its `timestamp` argument for this source: only when the source has no
    /// 'rowtime' column. Drivers can skip fetching the Kafka timestamp per record otherwise.
    public func usesKafkaTimestamp(source: Int) -> Bool {
        guard source >= 0, source < sourceByStream.count, let runtime = sourceByStream[source] else { return true }
        return runtime.rowtimeColumn == nil
    }

    /// Captured output buffers: bound output streams, error_stream and late_stream.
    public var outputs: [OutputBuffer] { nodes.compactMap(\.output) }

    public func output(named name: String) -> OutputBuffer? { nodes.first { $0.definition.name == name }?.output }

    /// Feeds one message. `timestamp` is the Kafka timestamp (or the replay read time), used as
    /// ROWTIME when the source has no 'rowtime' column. `offset` is the line number for files.
    public func process(source: Int, partition: Int32, offset: Int64, timestamp: Int64,
                        value: UnsafeRawBufferPointer, origin: RecordOrigin) {
        guard source >= 0, source < sourceByStream.count, sourceByStream[source] != nil else { return }
        // Guaranteed references to objects the engine owns for its whole life: loading them as strong
        // references cost an atomic retain and release each, per record.
        Unmanaged.passUnretained(sourceByStream[source].unsafelyUnwrapped)._withUnsafeGuaranteedRef { runtime in
            process(runtime, source: source, partition: partition, offset: offset, timestamp: timestamp, value: value, origin: origin)
        }
    }

    @inline(__always) private func process(_ runtime: SourceRuntime, source: Int, partition: Int32, offset: Int64, timestamp: Int64,
                                           value: UnsafeRawBufferPointer, origin: RecordOrigin) {
        counters.recordsIn += 1
        scratch.reset()
        let frame = runtime.frame
        do {
            try runtime.decode(value, into: frame)
        } catch {
            // Checked only once decoding failed, so the hot path pays nothing for it.
            if value.isEmpty {
                emitError(runtime, partition: partition, offset: offset, value: value, origin: origin,
                          name: Self.emptyMessageError, reason: "empty message")
            } else {
                emitError(runtime, partition: partition, offset: offset, value: value, origin: origin, error: error)
            }
            commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
            return
        }
        var rowtime = timestamp
        if let c = runtime.rowtimeColumn {
            guard !frame.nulls[c] else {
                emitError(runtime, partition: partition, offset: offset, value: value, origin: origin,
                          error: DecodeError(.nullRowtime, "rowtime column \(runtime.definition.schema.columns[c].name) is null"))
                commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
                return
            }
            rowtime = frame.int(c)
        }
        frame.rowtime = rowtime
        if checksFutureRowtimes, rowtime > clock.now, rowtime &- clock.now > runtime.maxFutureSkew {
            emitFutureRowtime(runtime, partition: partition, offset: offset, value: value, origin: origin, rowtime: rowtime)
            commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
            return
        }
        if rowtime < watermark {
            emitLate(runtime, partition: partition, offset: offset, value: value, origin: origin, rowtime: rowtime)
            commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
            return
        }
        if commitTracker != nil {
            // Without windowed pumps (span 0) every output of a record is emitted while it is
            // processed, so it is done at once rather than when the watermark passes it.
            Unmanaged.passUnretained(commitTracker.unsafelyUnwrapped)._withUnsafeGuaranteedRef { tracker in
                tracker.accepted(source: source, partition: partition, offset: offset, rowtime: tracker.span == 0 ? .min : rowtime)
            }
        }
        if rowtime > highestRowtime { highestRowtime = rowtime }
        let raised = runtime.observe(partition: partition, rowtime: rowtime, now: clock.now,
                                     activeLow: activeLowAt == clock.now ? activeLow : .max)
        Unmanaged.passUnretained(nodes[source])._withUnsafeGuaranteedRef { $0.emit(frame, key: nil) }
        // The watermark moves only when the lowest active partition's maximum rises or a partition
        // wakes up (idleness is re-checked in advanceProcessingTime), so most records skip the scan.
        if raised { updateWatermark() }
    }

    /// Records a message that a driver could not even hand over as a record (a malformed CSV row,
    /// an oversized Kafka message...): it becomes an error_stream row with `error`'s reason.
    public func reject(source: Int, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                       origin: RecordOrigin, error: DecodeError) {
        guard let runtime = sources[source] else { return }
        counters.recordsIn += 1
        scratch.reset()
        emitError(runtime, partition: partition, offset: offset, value: value, origin: origin, error: error)
        commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
    }

    /// Records a message whose value is null (a tombstone, which a JSON, CSV or TSV source cannot
    /// read as a row): an error_stream row `NULL_VALUE`, distinct from an empty message.
    public func rejectNullValue(source: Int, partition: Int32, offset: Int64, origin: RecordOrigin) {
        guard let runtime = sources[source] else { return }
        counters.recordsIn += 1
        scratch.reset()
        emitError(runtime, partition: partition, offset: offset, value: UnsafeRawBufferPointer(start: nil, count: 0),
                  origin: origin, name: Self.nullValueError, reason: "null value (tombstone)")
        commitTracker?.record(source: source, partition: partition, offset: offset, doneAt: .min)
    }

    /// Moves processing time (idle detection, CURRENT_ROW_TIMESTAMP) and re-evaluates the watermark.
    public func advanceProcessingTime(to now: Int64) {
        if now > clock.now { clock.now = now }
        updateWatermark()
    }

    /// End of input: every open window fires.
    public func finish() {
        for op in orderedOperators { op.finish() }
        finished = true
    }

    func updateWatermark() {
        var low = Int64.max
        var anyActive = false
        var highestIdle = Int64.min
        for runtime in sources.values {
            for p in runtime.partitions where p.seen {
                let w = p.maxRowtime &- runtime.lateness
                if let idle = runtime.idleTimeout, clock.now &- p.lastActivity > idle {
                    highestIdle = max(highestIdle, w)
                    continue
                }
                anyActive = true
                low = min(low, w)
            }
        }
        activeLow = anyActive ? low : .max
        activeLowAt = clock.now
        if holdsForExpectedPartitions() { return }
        let candidate = anyActive ? low : highestIdle
        guard candidate > watermark else { return }
        watermark = candidate
        for op in orderedOperators { op.onWatermark(candidate) }
    }

    // MARK: Partition assignment (Kafka runtime)

    /// Announces partitions a runtime was just assigned. Until each has delivered its first record,
    /// or its grace period has passed (the source's `idle_timeout`, else `defaultGraceMillis` of
    /// processing time), it holds the watermark back: otherwise partitions that happen to be fetched
    /// first would fire windows that records of the slower ones still belong to, making them late.
    public func expectPartitions(source: Int, partitions: [Int32]) {
        guard let runtime = sources[source] else { return }
        activeLowAt = .min
        for partition in partitions { runtime.expect(partition: partition, now: clock.now) }
    }

    /// Each seen partition's own watermark (its highest rowtime minus the source's lateness), for
    /// per-partition metrics; the operator watermark is their minimum over active partitions.
    public func partitionWatermarks(source: Int) -> [(partition: Int32, watermark: Int64)] {
        guard let runtime = sources[source] else { return [] }
        return runtime.partitions.indices.compactMap { index in
            runtime.partitions[index].seen ? (Int32(index), runtime.partitions[index].maxRowtime &- runtime.lateness) : nil
        }
    }

    /// How long an announced partition without data holds the watermark when the source has no `idle_timeout`.
    public static let defaultGraceMillis: Int64 = 10_000

    /// Whether an announced partition still holds the watermark. Free once every announced
    /// partition has delivered data or timed out (the usual case: one check per source).
    func holdsForExpectedPartitions() -> Bool {
        var holds = false
        for runtime in sources.values where runtime.pendingExpected > 0 {
            let grace = runtime.idleTimeout ?? Self.defaultGraceMillis
            for index in runtime.partitions.indices where !runtime.partitions[index].seen {
                guard let since = runtime.partitions[index].expectedSince else { continue }
                if clock.now &- since <= grace {
                    holds = true
                } else {
                    runtime.partitions[index].expectedSince = nil
                    runtime.pendingExpected -= 1
                }
            }
        }
        return holds
    }

    // MARK: error_stream and late_stream

    func fillOrigin(_ f: Frame, _ runtime: SourceRuntime, partition: Int32, offset: Int64, origin: RecordOrigin) {
        f.setAllNull()
        f.set(0, scratch.store(runtime.definition.name))
        if origin.isFile {
            f.set(4, scratch.store(origin.name))
            f.set(5, UInt64(bitPattern: offset))
        } else {
            f.set(1, scratch.store(origin.name))
            f.set(2, UInt64(bitPattern: Int64(partition)))
            f.set(3, UInt64(bitPattern: offset))
        }
    }

    /// `DATA` keeps at most this many bytes of the payload. A message near the broker's
    /// `message.max.bytes` would otherwise give an error or late row larger than the producer may
    /// send, and that failure would stop the pipeline; the position columns still locate the whole
    /// message, and the error's `REASON` says it was cut.
    public static let maximumDataBytes = 65_536

    /// The part of `value` that `DATA` holds: all of it, or its first `maximumDataBytes` cut back to
    /// a UTF-8 boundary when the payload is text (so a cut text stays text).
    func dataPrefix(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard value.count > Self.maximumDataBytes else { return value }
        var end = Self.maximumDataBytes
        // Continuation bytes are 10xxxxxx: step back (at most 3) to the start of the scalar the
        // limit splits. Binary payloads go out as base64 anyway.
        while end > Self.maximumDataBytes - 3, value[end] & 0xC0 == 0x80 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: value[0..<end])
    }

    func fillData(_ f: Frame, _ value: UnsafeRawBufferPointer) {
        let kept = dataPrefix(value)
        if UTF8Validation.firstInvalidOffset(kept) == nil {
            f.set(8, scratch.store(kept))
            f.set(9, scratch.store("text"))
        } else {
            f.set(8, scratch.store(Base64.encode(kept)))
            f.set(9, scratch.store("base64"))
        }
    }

    /// `ERROR_NAME`s of problems found outside the decoders (see topologies/README.md).
    static let emptyMessageError = "EMPTY_MESSAGE"
    static let nullValueError = "NULL_VALUE"
    static let futureRowtimeError = "FUTURE_ROWTIME"

    func emitError(_ runtime: SourceRuntime, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                   origin: RecordOrigin, error: DecodeError) {
        emitError(runtime, partition: partition, offset: offset, value: value, origin: origin,
                  name: error.category.rawValue, reason: error.reason)
    }

    func emitError(_ runtime: SourceRuntime, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                   origin: RecordOrigin, name: String, reason: String) {
        counters.errors += 1
        let node = nodes[topology.streamIndex(Topology.errorStreamName)!]
        let f = Frame(count: node.definition.schema.count, arena: scratch)
        fillOrigin(f, runtime, partition: partition, offset: offset, origin: origin)
        f.set(6, scratch.store(name))
        let cut = value.count > Self.maximumDataBytes
        f.set(7, scratch.store(cut ? reason + " (DATA holds the first \(dataPrefix(value).count) of \(value.count) bytes)" : reason))
        fillData(f, value)
        f.rowtime = clock.now
        node.emit(f, key: nil)
    }

    /// A rowtime more than the source's `max_future_skew` ahead of processing time is a producer's
    /// clock or unit mistake: accepted, it would raise the watermark so far that every later record
    /// of the stream would be late. It becomes an error row instead and leaves the watermark alone.
    func emitFutureRowtime(_ runtime: SourceRuntime, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                           origin: RecordOrigin, rowtime: Int64) {
        let reason = "rowtime \(CivilTime.isoString(rowtime)) is more than max_future_skew "
            + "(\(Self.describe(millis: runtime.maxFutureSkew))) ahead of processing time \(CivilTime.isoString(clock.now))"
        emitError(runtime, partition: partition, offset: offset, value: value, origin: origin,
                  name: Self.futureRowtimeError, reason: reason)
    }

    /// `3600000` → `1 HOUR`, `90000` → `90 SECONDS`: the way the option is written.
    static func describe(millis: Int64) -> String {
        for unit in [TimeUnit.day, .hour, .minute, .second] where millis >= unit.millis && millis % unit.millis == 0 {
            let n = millis / unit.millis
            return "\(n) \(unit.rawValue)\(n == 1 ? "" : "S")"
        }
        return "\(millis) MILLISECONDS"
    }

    func emitLate(_ runtime: SourceRuntime, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                  origin: RecordOrigin, rowtime: Int64) {
        counters.lateRows += 1
        let node = nodes[topology.streamIndex(Topology.lateStreamName)!]
        let f = Frame(count: node.definition.schema.count, arena: scratch)
        fillOrigin(f, runtime, partition: partition, offset: offset, origin: origin)
        f.set(6, UInt64(bitPattern: rowtime))
        f.set(7, UInt64(bitPattern: watermark))
        fillData(f, value)
        f.rowtime = rowtime
        node.emit(f, key: nil)
    }
}

extension DistinctCounter {
    /// KDA's configuration: exact to 10,000 items, then HyperLogLog at lgK 14 (always valid).
    static func kda() -> DistinctCounter {
        do { return try DistinctCounter() } catch { preconditionFailure("default DistinctCounter configuration is valid: \(error)") }
    }
}

extension SpaceSaving where Item == String {
    static func forTopK(_ k: Int) -> SpaceSaving<String> {
        do { return try SpaceSaving(capacity: max(k * 10, 100)) } catch { preconditionFailure("capacity \(k) is positive: \(error)") }
    }
}

/// Per-source decoding and per-partition event-time tracking.
final class SourceRuntime {
    struct PartitionClock {
        var seen = false; var maxRowtime = Int64.min; var lastActivity: Int64 = 0
        /// Processing time at which a runtime announced this partition (see `Engine.expectPartitions`).
        var expectedSince: Int64?
    }
    let definition: StreamDefinition
    let frame: Frame
    /// Decodes records ahead of time for replay merging, without touching `frame`.
    let peekFrame: Frame
    let json: JSONRecordDecoder?
    let delimited: DelimitedRecordDecoder?
    let rowtimeColumn: Int?
    let lateness: Int64
    let idleTimeout: Int64?
    /// How far ahead of processing time a rowtime may be (`max_future_skew`; `.max` when 'none').
    let maxFutureSkew: Int64
    @exclusivity(unchecked) var partitions: [PartitionClock] = []

    init(definition: StreamDefinition, arena: ByteArena) {
        self.definition = definition
        frame = Frame(count: definition.schema.count, arena: arena)
        peekFrame = Frame(count: definition.schema.count, arena: ByteArena(capacity: 1024))
        switch definition.binding.format {
        // `raw` is refused for sources by the analyzer; decode as JSON if a hand-built topology has one.
        case .json, .raw: json = JSONRecordDecoder(schema: definition.schema); delimited = nil
        case .csv: json = nil; delimited = DelimitedRecordDecoder(schema: definition.schema, separator: UInt8(ascii: ","))
        case .tsv: json = nil; delimited = DelimitedRecordDecoder(schema: definition.schema, separator: 0x09)
        }
        rowtimeColumn = definition.binding.rowtimeColumn
        lateness = definition.binding.latenessMillis
        idleTimeout = definition.binding.idleTimeoutMillis
        maxFutureSkew = definition.binding.maxFutureSkewMillis ?? .max
    }

    @inline(__always) func decode(_ value: UnsafeRawBufferPointer, into frame: Frame) throws(DecodeError) {
        if let json { try json.decode(value, into: frame) } else { try delimited!.decode(value, into: frame) }
    }

    /// Announced partitions that have neither delivered data nor timed out yet.
    @exclusivity(unchecked) var pendingExpected = 0

    func expect(partition: Int32, now: Int64) {
        let p = Int(max(partition, 0))
        if p >= partitions.count { partitions.append(contentsOf: repeatElement(PartitionClock(), count: p - partitions.count + 1)) }
        guard !partitions[p].seen else { return }
        if partitions[p].expectedSince == nil { pendingExpected += 1 }
        partitions[p].expectedSince = now
    }

    /// Records activity on a partition; returns whether the operator watermark may have moved: the
    /// partition woke up, or its maximum rowtime rose while its own watermark was at most
    /// `activeLow` (the current minimum over active partitions, or Int64.max when unknown).
    @inline(__always) func observe(partition: Int32, rowtime: Int64, now: Int64, activeLow: Int64) -> Bool {
        let p = Int(max(partition, 0))
        if p >= partitions.count { partitions.append(contentsOf: repeatElement(PartitionClock(), count: p - partitions.count + 1)) }
        let wasIdle = !partitions[p].seen || (idleTimeout.map { now &- partitions[p].lastActivity > $0 } ?? false)
        if !partitions[p].seen, partitions[p].expectedSince != nil {
            partitions[p].expectedSince = nil
            pendingExpected -= 1
        }
        partitions[p].seen = true
        partitions[p].lastActivity = now
        if rowtime > partitions[p].maxRowtime {
            let previous = partitions[p].maxRowtime &- lateness
            partitions[p].maxRowtime = rowtime
            return wasIdle || previous <= activeLow
        }
        return wasIdle
    }
}
