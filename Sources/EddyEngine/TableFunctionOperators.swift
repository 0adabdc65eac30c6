import EddyCore
import EddySQL
import EddySketches

/// Shared part of the tumbling table functions: evaluates the cursor's column, keeps one state
/// per window, and emits the function's rows through the outer SELECT when windows close.
class TumblingTableFunction<State>: Operator {
    let filter: Evaluator?
    let column: Evaluator
    let columnType: SQLType
    let size: Int64
    let outputs: [Evaluator]
    let functionRow: Frame
    let out: Frame
    let target: StreamNode
    var windows: [Int64: State] = [:]
    let makeState: () -> State

    init(filter: Evaluator?, column: @escaping Evaluator, columnType: SQLType, size: Int64, functionColumns: Int, outputs: [Evaluator], target: StreamNode, makeState: @escaping () -> State) {
        self.makeState = makeState
        self.filter = filter
        self.column = column
        self.columnType = columnType
        self.size = size
        self.outputs = outputs
        self.target = target
        functionRow = Frame(count: functionColumns, arena: ByteArena(capacity: 256))
        out = Frame(count: outputs.count, arena: functionRow.arena)
    }

    func add(_ value: Value, arena: ByteArena, to state: inout State) {}
    func rows(_ state: State, emit: (Frame) -> Void) {}

    override func process(_ frame: Frame) {
        if let filter { let v = filter(frame); if v.isNull || v.bits == 0 { return } }
        let start = CivilTime.floorDiv(frame.rowtime, size) &* size
        let value = column(frame)
        if windows[start] == nil { windows[start] = makeState() }
        add(value, arena: frame.arena, to: &windows[start]!)
    }

    override func onWatermark(_ watermark: Int64) {
        guard let oldest = windows.keys.min(), oldest &+ size <= watermark else { return }
        for start in windows.keys.filter({ $0 &+ size <= watermark }).sorted() {
            let state = windows.removeValue(forKey: start)!
            rows(state) { row in
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
        let scratch = ByteArena(capacity: 32)
        JSONRowEncoder.appendText(value.bits, isNull: false, type: columnType, arena: arena, into: scratch)
        return scratch.string(StringRef.make(offset: 0, length: scratch.count))
    }
}

/// COUNT_DISTINCT_ITEMS_TUMBLING: exact up to 10,000 distinct items per window, then HyperLogLog
/// (EddySketches.DistinctCounter). One row per window: NUMBER_OF_DISTINCT_ITEMS.
final class CountDistinctItemsOperator: TumblingTableFunction<DistinctCounter> {
    override func add(_ value: Value, arena: ByteArena, to state: inout DistinctCounter) {
        if value.isNull { return }
        switch columnType.kind {
        case .string: state.insert(hash: StableHash64.hash(bytes: arena.bytes(value.bits)))
        case .double: state.insert(value.double)
        default: state.insert(value.int)
        }
    }

    override func rows(_ state: DistinctCounter, emit: (Frame) -> Void) {
        functionRow.set(0, UInt64(bitPattern: state.count))
        emit(functionRow)
    }
}

/// TOP_K_ITEMS_TUMBLING: Space-Saving top-K per window (EddySketches.SpaceSaving); K rows per
/// window, most frequent first: ITEM, ITEM_COUNT.
final class TopKItemsOperator: TumblingTableFunction<SpaceSaving<String>> {
    var k = 10

    override func add(_ value: Value, arena: ByteArena, to state: inout SpaceSaving<String>) {
        if value.isNull { return }
        try? state.insert(text(value, arena))
    }

    override func rows(_ state: SpaceSaving<String>, emit: (Frame) -> Void) {
        let top = state.top(k).sorted { $0.count != $1.count ? $0.count > $1.count : $0.item < $1.item }
        for entry in top {
            functionRow.set(0, functionRow.arena.store(entry.item))
            functionRow.set(1, UInt64(bitPattern: entry.count))
            emit(functionRow)
        }
    }
}
