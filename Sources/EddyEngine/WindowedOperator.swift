import EddyCore
import EddySketches
import EddySQL

/// Shared firing logic for tumbling and stagger windows: the post-aggregation frame is
/// [group keys..., window start, window end, aggregates...]; rows go out in group-key order.
class GroupedOperatorBase: Operator {
    let filter: Evaluator?
    let keyEvaluators: [Evaluator]
    /// Derived from the keys (not state): keys read straight from a slot without their closure.
    let keyDirect: ContiguousArray<DirectRead>
    let keyKinds: [ValueKind]
    let keyTypes: [SQLType]
    let accumulators: Accumulators
    let having: Evaluator?
    let outputs: [Evaluator]
    let post: Frame
    let out: Frame
    let target: StreamNode
    let probe = ByteArena(capacity: 256)
    let keyText = ByteArena(capacity: 256)

    init(filter: Evaluator?, keys: [TypedExpr], aggregates: [AggregatePlan], having: Evaluator?, outputs: [Evaluator],
         target: StreamNode, compiler: ExpressionCompiler) {
        self.filter = filter
        keyEvaluators = keys.map(compiler.compile)
        keyDirect = ContiguousArray(keys.map { DirectRead($0) })
        keyKinds = keys.map(\.type.kind)
        keyTypes = keys.map(\.type)
        accumulators = Accumulators(aggregates, compiler: compiler)
        self.having = having
        self.outputs = outputs
        self.target = target
        post = Frame(count: keys.count + 2 + aggregates.count, arena: ByteArena(capacity: 64))
        out = Frame(count: outputs.count, arena: ByteArena(capacity: 64))
    }

    @inline(__always) func passes(_ frame: Frame) -> Bool {
        guard let filter else { return true }
        let v = filter(frame)
        return !v.isNull && v.bits != 0
    }

    /// Serializes the row's group key into `probe` and returns its hash.
    @inline(__always) func buildKey(_ frame: Frame) -> UInt64 {
        probe.reset()
        for k in 0..<keyEvaluators.count {
            let value = keyDirect[k].read(frame) ?? keyEvaluators[k](frame)
            frame.withArena { GroupKey.append(value, kind: keyKinds[k], from: $0, into: probe) }
        }
        return GroupKey.hash(UnsafeRawBufferPointer(start: probe.storage, count: probe.count))
    }

    /// Emits one row per listed group of `table`, ordered by group key.
    func fire(_ table: GroupTable, groups: [Int], start: (Int) -> Int64, end: (Int) -> Int64) {
        let g = keyKinds.count
        if groups.count == 1 {
            // A stagger window closing on its own (the usual case with many keys): nothing to
            // order, so the key is decoded straight into `post`, without the per-group arrays.
            post.arena = table.arena
            GroupKey.decode(table.keyRefs[groups[0]], kinds: keyKinds, arena: table.arena, into: post)
            emit(table, group: groups[0], windowStart: start(groups[0]), windowEnd: end(groups[0]))
            return
        }
        // Group i's key column k at `i * g + k`: one array for all groups, not one per group.
        var decoded: [Value] = []
        decoded.reserveCapacity(groups.count * g)
        for group in groups {
            post.arena = table.arena
            GroupKey.decode(table.keyRefs[group], kinds: keyKinds, arena: table.arena, into: post)
            for k in 0..<g { decoded.append(Value(bits: post.slots[k], isNull: post.nulls[k])) }
        }
        let order = groups.indices.sorted { a, b in
            let ea = end(groups[a]), eb = end(groups[b])
            if ea != eb { return ea < eb }
            for k in 0..<g {
                let c = Compare.values(decoded[a * g + k], decoded[b * g + k], kind: keyKinds[k], table.arena, table.arena)
                if c != 0 { return c < 0 }
            }
            return false
        }
        for i in order {
            let group = groups[i]
            post.arena = table.arena
            for k in 0..<g { post.slots[k] = decoded[i * g + k].bits; post.nulls[k] = decoded[i * g + k].isNull }
            emit(table, group: group, windowStart: start(group), windowEnd: end(group))
        }
    }

    /// Emits `group`'s window row, its key already in `post`'s first slots.
    private func emit(_ table: GroupTable, group: Int, windowStart: Int64, windowEnd: Int64) {
        let g = keyKinds.count
        post.set(g, UInt64(bitPattern: windowStart))
        post.set(g + 1, UInt64(bitPattern: windowEnd))
        post.rowtime = windowEnd
        accumulators.results(table.state + group * accumulators.stateWords, into: post, base: g + 2, sketches: table.sketches)
        if let having {
            let v = having(post)
            if v.isNull || v.bits == 0 { return }
        }
        out.arena = table.arena
        out.rowtime = windowEnd
        for k in 0..<outputs.count {
            let v = outputs[k](post)
            out.slots[k] = v.bits
            out.nulls[k] = v.isNull
        }
        keyText.reset()
        for k in 0..<g {
            JSONRowEncoder.appendText(post.slots[k], isNull: post.nulls[k], type: keyTypes[k], arena: table.arena, into: keyText)
            keyText.append(UInt8(ascii: "|"))
        }
        CivilTime.writeISO(windowStart, into: keyText)
        target.emit(out, key: UnsafeRawBufferPointer(start: keyText.storage, count: keyText.count))
    }
}

/// Tumbling windows: `GROUP BY keys, STEP(ROWTIME BY INTERVAL ...)`. State is one group table per
/// open window; a window fires once the watermark reaches its end and its table is dropped.
final class TumblingOperator: GroupedOperatorBase {
    let size: Int64
    @exclusivity(unchecked) var windows: [Int64: GroupTable] = [:]
    /// Start of the oldest open window, so watermarks that close nothing cost one comparison.
    @exclusivity(unchecked) var oldestStart: Int64 = .max
    @exclusivity(unchecked) var lastStart: Int64 = .min
    @exclusivity(unchecked) var lastTable: GroupTable?
    /// Partial mode (issue 6, global aggregates under scale-out): a closed window's group table is
    /// encoded into `closedPartials` for a combiner instead of firing rows here.
    var exportsPartials = false
    var closedPartials: [(windowStart: Int64, state: [UInt8])] = []

    init(filter: Evaluator?, keys: [TypedExpr], size: Int64, aggregates: [AggregatePlan], having: Evaluator?,
         outputs: [Evaluator], target: StreamNode, compiler: ExpressionCompiler) {
        self.size = size
        super.init(filter: filter, keys: keys, aggregates: aggregates, having: having, outputs: outputs, target: target, compiler: compiler)
    }

    override func process(_ frame: Frame) {
        guard passes(frame) else { return }
        let start = CivilTime.floorDiv(frame.rowtime, size) &* size
        if start != lastStart || lastTable == nil { selectWindow(start) }
        // A guaranteed reference: `windows` keeps the table alive, and loading the `var` as a strong
        // reference cost an atomic retain and release per record.
        Unmanaged.passUnretained(lastTable.unsafelyUnwrapped)._withUnsafeGuaranteedRef { table in
            let hash = buildKey(frame)
            let (group, _) = table.find(UnsafeRawBufferPointer(start: probe.storage, count: probe.count), hash: hash)
            accumulators.add(frame, into: table.state + group * accumulators.stateWords, keep: table.arena, sketches: table.sketches)
        }
    }

    /// Makes the window starting at `start` the current one (`lastStart`, `lastTable`), opening it if new.
    func selectWindow(_ start: Int64) {
        if let existing = windows[start] {
            lastStart = start; lastTable = existing
        } else {
            let table = GroupTable(stateWords: accumulators.stateWords)
            windows[start] = table
            oldestStart = min(oldestStart, start)
            lastStart = start; lastTable = table
        }
    }

    override func onWatermark(_ watermark: Int64) {
        guard oldestStart != .max, oldestStart &+ size <= watermark else { return }
        let due = windows.keys.filter { $0 &+ size <= watermark }.sorted()
        for start in due {
            let table = windows.removeValue(forKey: start)!
            if start == lastStart { lastStart = .min; lastTable = nil }
            if exportsPartials {
                var writer = ByteWriter()
                table.write(into: &writer)
                closedPartials.append((start, writer.bytes))
                continue
            }
            fire(table, groups: Array(0..<table.count), start: { _ in start }, end: { _ in start &+ self.size })
        }
        oldestStart = windows.keys.min() ?? .max
    }
}

/// Stagger windows: a window per partition key opens with the key's first row and lasts `range`.
///
/// State is bounded exactly: a key whose window the watermark fired has no open window, and holds
/// nothing a later row needs (that row opens a fresh window), so its group is removed then and the
/// table compacted once enough are dead. A key whose window a later row of its own closes keeps its
/// group, since that row opens the next window at once. Live keys are the keys with an open window.
final class StaggerOperator: GroupedOperatorBase, KeyEvictingOperator {
    let range: Int64
    let table: GroupTable
    /// Each group's open window start (.min: none, for a removed group).
    var starts: [Int64] = []
    /// A lower bound on the open windows' starts (.max: none), so watermarks that close nothing
    /// cost one comparison.
    var earliestStart: Int64 = .max
    /// Every open window's (start, group), oldest first, plus stale entries of windows closed by a
    /// later row of their key; rebuilt from `starts` whenever group numbers or starts are replaced.
    var pending = WindowStartQueue()
    /// The groups a watermark closes, kept between watermarks so its buffer is allocated once
    /// (with many keys, nearly every watermark closes a window).
    private var dueScratch: [Int] = []
    private(set) var evictedKeys = 0

    init(filter: Evaluator?, keys: [TypedExpr], range: Int64, aggregates: [AggregatePlan], having: Evaluator?,
         outputs: [Evaluator], target: StreamNode, compiler: ExpressionCompiler) {
        self.range = range
        table = GroupTable(stateWords: Accumulators(aggregates, compiler: compiler).stateWords)
        super.init(filter: filter, keys: keys, aggregates: aggregates, having: having, outputs: outputs, target: target, compiler: compiler)
    }

    override func process(_ frame: Frame) {
        guard passes(frame) else { return }
        let hash = buildKey(frame)
        let (group, isNew) = table.find(UnsafeRawBufferPointer(start: probe.storage, count: probe.count), hash: hash)
        if isNew { starts.append(.min) }
        let words = accumulators.stateWords
        if starts[group] != .min, frame.rowtime >= starts[group] &+ range {
            // The row is past this key's open window: that window is complete, close it first.
            let start = starts[group]
            fire(table, groups: [group], start: { _ in start }, end: { _ in start &+ self.range })
            starts[group] = .min
        }
        if starts[group] == .min {
            starts[group] = frame.rowtime
            pending.push(start: frame.rowtime, group: group)
            if frame.rowtime < earliestStart { earliestStart = frame.rowtime }
            accumulators.reset(table.state + group * words, sketches: table.sketches)
        }
        accumulators.add(frame, into: table.state + group * words, keep: table.arena, sketches: table.sketches)
    }

    override func onWatermark(_ watermark: Int64) {
        guard earliestStart != .max, earliestStart &+ range <= watermark else { return }
        var due: [Int] = []
        swap(&due, &dueScratch)
        defer { due.removeAll(keepingCapacity: true); swap(&due, &dueScratch) }
        while let oldest = pending.minimum, oldest.start &+ range <= watermark {
            pending.removeMinimum()
            if starts[oldest.group] == oldest.start { due.append(oldest.group) }
        }
        if !due.isEmpty { fire(table, groups: due, start: { self.starts[$0] }, end: { self.starts[$0] &+ self.range }) }
        for g in due {
            starts[g] = .min
            table.remove(g)
        }
        evictedKeys += due.count
        earliestStart = pending.minimum?.start ?? .max
        if table.isWorthCompacting { compact() }
    }

    /// Drops removed groups from the table and `starts`.
    func compact() {
        let mapping = table.compact(relocating: accumulators)
        var kept = [Int64](repeating: .min, count: table.count)
        for (old, new) in mapping.enumerated() where new >= 0 { kept[new] = starts[old] }
        starts = kept
        pending.rebuild(from: starts)
    }
}
