import EddyCore
import EddySQL
import EddySketches

/// Shared part of the tumbling table functions: evaluates the cursor's column and emits the
/// function's rows through the outer SELECT when windows close. Not generic: each subclass keeps
/// its own concretely typed per-window states, so a record updates its window's sketch in place
/// (a generic `[Int64: State]` copied the sketch, and so all its storage, on every record).
class TumblingTableFunction: Operator {
    let filter: Evaluator?
    let column: Evaluator
    /// Derived from the cursor column (not state): read straight from its slot when it is one.
    let columnDirect: DirectRead
    let columnType: SQLType
    let size: Int64
    let outputs: [Evaluator]
    let functionRow: Frame
    let out: Frame
    let target: StreamNode
    /// Reused for the text of non-string cursor values (a new arena per record allocated).
    let scratch = ByteArena(capacity: 32)
    /// Partial mode (issue 6, global aggregates under scale-out): a closed window's sketch is
    /// encoded into `closedPartials` for a combiner instead of firing rows here.
    var exportsPartials = false
    var closedPartials: [(windowStart: Int64, state: [UInt8])] = []

    init(filter: Evaluator?, column: @escaping Evaluator, columnDirect: DirectRead = .evaluator, columnType: SQLType, size: Int64,
         functionColumns: Int, outputs: [Evaluator], target: StreamNode) {
        self.filter = filter
        self.column = column
        self.columnDirect = columnDirect
        self.columnType = columnType
        self.size = size
        self.outputs = outputs
        self.target = target
        functionRow = Frame(count: functionColumns, arena: ByteArena(capacity: 256))
        out = Frame(count: outputs.count, arena: functionRow.arena)
    }

    /// Folds the cursor value (possibly NULL: the window still opens) into the window at `start`.
    func add(_ value: Value, arena: ByteArena, window start: Int64) {}
    /// The earliest open window's start, if any.
    var oldestWindow: Int64? { nil }
    /// The open windows' starts that end by `watermark`, oldest first.
    func windows(endingBy watermark: Int64) -> [Int64] { [] }
    /// Emits the rows of the window at `start` and forgets it.
    func close(window start: Int64, emit: (Frame) -> Void) {}
    /// The partial state of the window at `start` (see `PartialWindowOperator`); forgets the window.
    func exportPartial(window start: Int64) -> [UInt8] { [] }

    override func process(_ frame: Frame) {
        if let filter { let v = filter(frame); if v.isNull || v.bits == 0 { return } }
        let start = CivilTime.floorDiv(frame.rowtime, size) &* size
        let value = columnDirect.read(frame) ?? column(frame)
        frame.withArena { add(value, arena: $0, window: start) }
    }

    override func onWatermark(_ watermark: Int64) {
        guard let oldest = oldestWindow, oldest &+ size <= watermark else { return }
        for start in windows(endingBy: watermark) {
            if exportsPartials {
                closedPartials.append((start, exportPartial(window: start)))
                continue
            }
            close(window: start) { row in
                row.rowtime = start &+ size
                out.rowtime = row.rowtime
                for k in 0..<outputs.count {
                    let v = outputs[k](row)
                    out.slots[k] = v.bits
                    out.nulls[k] = v.isNull
                }
                target.emit(out, key: nil)
            }
            functionRow.arena.reset()
        }
    }

    /// The cursor column's value as text, for sketches keyed by strings.
    func text(_ value: Value, _ arena: ByteArena) -> String {
        if columnType.kind == .string { return arena.string(value.bits) }
        scratch.reset()
        JSONRowEncoder.appendText(value.bits, isNull: false, type: columnType, arena: arena, into: scratch)
        return scratch.string(StringRef.make(offset: 0, length: scratch.count))
    }
}

/// COUNT_DISTINCT_ITEMS_TUMBLING: exact up to 10,000 distinct items per window, then HyperLogLog
/// (EddySketches.DistinctCounter). One row per window: NUMBER_OF_DISTINCT_ITEMS.
final class CountDistinctItemsOperator: TumblingTableFunction {
    /// Open windows' counters. Any other change to it (a closed window, a restore, a merge) forgets `current`.
    var counters: [Int64: DistinctCounter] = [:] { didSet { if !updatingCurrent { current = nil } } }
    /// The window of the last record and its position in `counters`: consecutive records mostly share
    /// a window, and then update its counter without hashing the window start again.
    private var current: (start: Int64, index: Dictionary<Int64, DistinctCounter>.Index)?
    private var updatingCurrent = false

    override func add(_ value: Value, arena: ByteArena, window start: Int64) {
        if value.isNull {
            if counters[start] == nil { counters[start] = DistinctCounter.kda() }
            return
        }
        let hash: UInt64 = switch columnType.kind {
        case .string: StableHash64.hash(bytes: arena.bytes(value.bits))
        case .double: StableHash64.hash(value.double)
        default: StableHash64.hash(value.int)
        }
        if let current, current.start == start {
            updatingCurrent = true
            counters.values[current.index].insert(hash: hash)
            updatingCurrent = false
            return
        }
        counters[start, default: DistinctCounter.kda()].insert(hash: hash)
        current = (start, counters.index(forKey: start)!)
    }

    override var oldestWindow: Int64? { counters.keys.min() }
    override func windows(endingBy watermark: Int64) -> [Int64] { counters.keys.filter { $0 &+ size <= watermark }.sorted() }

    override func close(window start: Int64, emit: (Frame) -> Void) {
        guard let counter = counters.removeValue(forKey: start) else { return }
        functionRow.set(0, UInt64(bitPattern: counter.count))
        emit(functionRow)
    }

    override func exportPartial(window start: Int64) -> [UInt8] {
        defer { counters[start] = nil }
        return partialState(window: start)
    }
}

/// TOP_K_ITEMS_TUMBLING: Space-Saving top-K per window (EddySketches.SpaceSaving); K rows per
/// window, most frequent first: ITEM, ITEM_COUNT. The K are the largest counts, ties broken by
/// item (not by arrival, which a combiner of several tasks' summaries cannot know), and are emitted
/// in that order.
final class TopKItemsOperator: TumblingTableFunction {
    var k = 10
    /// Open windows' summaries. Any other change to it (a closed window, a restore, a merge) forgets `current`.
    var summaries: [Int64: SpaceSaving<String>] = [:] { didSet { if !updatingCurrent { current = nil } } }
    /// Windows a combiner is assembling: the tasks' summaries folded so far (`summaries` holds their
    /// merge), so each new part is merged with all of them at once (see `SpaceSaving.merged`).
    var combining: [Int64: [SpaceSaving<String>]] = [:]
    /// The window of the last record and its position in `summaries`: consecutive records mostly share
    /// a window, and then update its summary without hashing the window start again.
    private var current: (start: Int64, index: Dictionary<Int64, SpaceSaving<String>>.Index)?
    private var updatingCurrent = false

    override func add(_ value: Value, arena: ByteArena, window start: Int64) {
        if value.isNull {
            if summaries[start] == nil { summaries[start] = SpaceSaving<String>.forTopK(k) }
            return
        }
        let item = text(value, arena)
        if let current, current.start == start {
            updatingCurrent = true
            try? summaries.values[current.index].insert(item)
            updatingCurrent = false
            return
        }
        try? summaries[start, default: SpaceSaving<String>.forTopK(k)].insert(item)
        current = (start, summaries.index(forKey: start)!)
    }

    override var oldestWindow: Int64? { summaries.keys.min() }
    override func windows(endingBy watermark: Int64) -> [Int64] { summaries.keys.filter { $0 &+ size <= watermark }.sorted() }

    override func close(window start: Int64, emit: (Frame) -> Void) {
        guard let summary = summaries.removeValue(forKey: start) else { return }
        combining[start] = nil
        let top = summary.entries.sorted { $0.count != $1.count ? $0.count > $1.count : $0.item < $1.item }.prefix(k)
        for entry in top {
            functionRow.set(0, functionRow.arena.store(entry.item))
            functionRow.set(1, UInt64(bitPattern: entry.count))
            emit(functionRow)
        }
    }

    override func exportPartial(window start: Int64) -> [UInt8] {
        defer { summaries[start] = nil }
        return partialState(window: start)
    }
}

/// Everything an operator for `FROM TABLE(f(CURSOR(...), ...))` needs from its pump.
struct TableFunctionPlan {
    var name: String
    var pumpName: String
    var topologyName: String
    var location: SourceLocation
    /// The cursor's WHERE, over the input frame.
    var filter: Evaluator?
    var cursorOutputs: [TypedExpr]
    var cursorSchema: Schema
    var arguments: [Literal]
    var outputSchema: Schema
    /// The outer SELECT's expressions, over [cursor columns (if passed through)..., function columns...].
    var outputs: [Evaluator]
    var target: StreamNode

    func integer(_ k: Int) -> Int64? { if case .integer(let v) = arguments[k] { v } else { nil } }
    func number(_ k: Int) -> Double? {
        switch arguments[k] {
        case .double(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
    func string(_ k: Int) -> String? { if case .string(let v) = arguments[k] { v } else { nil } }

    /// The checked `KEY=value` options (the analyzer's normalized last argument).
    var options: [String: String] {
        guard case .string(let text)? = arguments.last else { return [:] }
        var result: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            if pieces.count == 2 { result[String(pieces[0])] = String(pieces[1]) }
        }
        return result
    }

    func failure(_ message: String) -> EngineError { EngineError(location: location, message: "\(name): \(message)") }
}

enum TableFunctionOperators {
    static func make(_ plan: TableFunctionPlan, compiler: ExpressionCompiler,
                     retention: Int64 = Engine.defaultStateRetentionMillis) throws(EngineError) -> Operator {
        switch plan.name {
        case "COUNT_DISTINCT_ITEMS_TUMBLING", "TOP_K_ITEMS_TUMBLING":
            guard let columnName = plan.string(0), let c = plan.cursorSchema.index(of: columnName) else { throw plan.failure("bad column argument") }
            let column = compiler.compile(plan.cursorOutputs[c])
            let type = plan.cursorOutputs[c].type
            let direct = DirectRead(plan.cursorOutputs[c])
            if plan.name == "COUNT_DISTINCT_ITEMS_TUMBLING", let seconds = plan.integer(1) {
                return CountDistinctItemsOperator(filter: plan.filter, column: column, columnDirect: direct, columnType: type, size: seconds * 1000,
                                                  functionColumns: plan.outputSchema.count, outputs: plan.outputs, target: plan.target)
            }
            if plan.name == "TOP_K_ITEMS_TUMBLING", let k = plan.integer(1), let seconds = plan.integer(2) {
                let op = TopKItemsOperator(filter: plan.filter, column: column, columnDirect: direct, columnType: type, size: seconds * 1000,
                                           functionColumns: plan.outputSchema.count, outputs: plan.outputs, target: plan.target)
                op.k = Int(k)
                return op
            }
        case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION":
            return try RandomCutForestOperator(plan, compiler: compiler, retention: retention)
        case "HOTSPOTS":
            return try HotspotsOperator(plan, compiler: compiler)
        case "ANOMALY_ALERTS":
            return try AnomalyAlertsOperator(plan, compiler: compiler, retention: retention)
        default:
            break
        }
        throw plan.failure("registered but not executable")
    }
}

/// Shared part of the per-row table functions that pass the cursor's columns through
/// (RANDOM_CUT_FOREST, HOTSPOTS): evaluates the cursor into `row` and collects the numeric features.
class CursorPassThroughOperator: Operator {
    let plan: TableFunctionPlan
    let cursor: [Evaluator]
    /// Cursor columns that are features, in cursor order.
    let featureColumns: [Int]
    let featureKinds: [ValueKind]
    /// [cursor columns..., function columns...]; its arena is the input frame's.
    let row: Frame
    let out: Frame
    @exclusivity(unchecked) var features: [Double]

    init(_ plan: TableFunctionPlan, compiler: ExpressionCompiler, excluding excluded: Int? = nil) {
        self.plan = plan
        cursor = plan.cursorOutputs.map(compiler.compile)
        featureColumns = plan.cursorSchema.columns.indices.filter { $0 != excluded && plan.cursorSchema.columns[$0].type.isNumeric }
        featureKinds = featureColumns.map { plan.cursorSchema.columns[$0].type.kind }
        row = Frame(count: plan.outputSchema.count, arena: ByteArena(capacity: 64))
        out = Frame(count: plan.outputs.count, arena: row.arena)
        features = [Double](repeating: 0, count: featureColumns.count)
    }

    /// Evaluates the cursor into `row`; returns the first NULL feature column's name, if any.
    @inline(__always) func load(_ frame: Frame) -> String? {
        row.arena = frame.arena
        row.rowtime = frame.rowtime
        for c in 0..<cursor.count {
            let v = cursor[c](frame)
            row.slots[c] = v.bits
            row.nulls[c] = v.isNull
        }
        var missing: String?
        features.withUnsafeMutableBufferPointer { buffer in
            for j in 0..<featureColumns.count {
                let c = featureColumns[j]
                if row.nulls[c] { missing = missing ?? plan.cursorSchema.columns[c].name; continue }
                buffer[j] = featureKinds[j] == .double ? Double(bitPattern: row.slots[c]) : Double(Int64(bitPattern: row.slots[c]))
            }
        }
        return missing
    }

    @inline(__always) func passes(_ frame: Frame) -> Bool {
        guard let filter = plan.filter else { return true }
        let v = filter(frame)
        return !v.isNull && v.bits != 0
    }

    @inline(__always) func emitRow() {
        out.arena = row.arena
        out.rowtime = row.rowtime
        for k in 0..<plan.outputs.count {
            let v = plan.outputs[k](row)
            out.slots[k] = v.bits
            out.nulls[k] = v.isNull
        }
        plan.target.emit(out, key: nil)
    }
}
