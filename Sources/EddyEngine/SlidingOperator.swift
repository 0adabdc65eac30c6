import EddyCore
import EddySQL

/// Sliding windows: `agg(x) OVER (PARTITION BY ... RANGE INTERVAL 'n' unit PRECEDING | ROWS n PRECEDING)`
/// and LAG. Each input row emits one row at once; the window is recomputed over the partition's
/// retained rows (O(window) per row; string arguments are kept as Swift strings).
///
/// Bounded state (issue 6). A RANGE frame without LAG is bounded exactly: a later row's rowtime is
/// at least the watermark (earlier rows are late), so rows older than `watermark − range` are in no
/// future window; scans on watermarks trim them from every key and drop keys left without rows, and
/// a row of a key whose rows are all that old starts the key afresh, which gives the same result.
/// ROWS frames and LAG need a key's last rows however old they are, so such a key is dropped only
/// after the idle-key retention (`KeyExpiry`): a later row of it then starts with an empty history
/// (LAG NULL, the window just that row), where KDA would have remembered it.
final class SlidingOperator: Operator, KeyEvictingOperator {
    final class Partition {
        var rowtimes: [Int64] = []
        /// Row i's argument of aggregate k is at `i * plans.count + k` (flat, so appending a row
        /// allocates nothing once the arrays have grown to the frame's size).
        var values: [Value] = []
        /// The text of string arguments, laid out as `values` (nil for other arguments).
        var strings: [String?] = []
        /// The highest rowtime of the key's rows since it got state: when it was last active.
        var newest: Int64 = .min

        /// Drops the `count` oldest rows, each `width` arguments wide.
        func removeFirst(_ count: Int, width: Int) {
            rowtimes.removeFirst(count)
            values.removeFirst(count * width)
            strings.removeFirst(count * width)
        }
    }

    let filter: Evaluator?
    let keyEvaluators: [Evaluator]
    let keyKinds: [ValueKind]
    let keyTypes: [SQLType]
    let frameSpec: SlidingFrame
    let plans: [AggregatePlan]
    let arguments: [Evaluator?]
    let outputs: [Evaluator]
    let target: StreamNode
    let table = GroupTable(stateWords: 0)
    /// Per group; nil for a removed group.
    var partitions: [Partition?] = []
    /// The most rows LAG reads back (0 without LAG): trimming always keeps that many.
    let maxLag: Int
    /// When a key's state expires: `range` for an exact RANGE frame, else the idle-key retention.
    @exclusivity(unchecked) var expiry: KeyExpiry
    var evictedKeys: Int { expiry.evictedKeys }
    let probe = ByteArena(capacity: 256)
    let keyText = ByteArena(capacity: 256)
    var post: Frame?
    let out: Frame

    init(filter: Evaluator?, keys: [TypedExpr], frame: SlidingFrame, aggregates: [AggregatePlan], outputs: [Evaluator],
         target: StreamNode, compiler: ExpressionCompiler, retention: Int64 = Engine.defaultStateRetentionMillis) {
        maxLag = aggregates.filter { $0.function == .lag }.map(\.offset).max() ?? 0
        if case .range(let millis) = frame, maxLag == 0 { expiry = KeyExpiry(span: millis) } else { expiry = KeyExpiry(span: retention) }
        self.filter = filter
        keyEvaluators = keys.map(compiler.compile)
        keyKinds = keys.map(\.type.kind)
        keyTypes = keys.map(\.type)
        frameSpec = frame
        plans = aggregates
        arguments = aggregates.map { $0.argument.map(compiler.compile) }
        self.outputs = outputs
        self.target = target
        out = Frame(count: outputs.count, arena: ByteArena(capacity: 64))
    }

    override func process(_ frame: Frame) {
        if let filter { let v = filter(frame); if v.isNull || v.bits == 0 { return } }
        probe.reset()
        keyText.reset()
        for k in 0..<keyEvaluators.count {
            let v = keyEvaluators[k](frame)
            GroupKey.append(v, kind: keyKinds[k], from: frame.arena, into: probe)
            if k > 0 { keyText.append(UInt8(ascii: "|")) }
            JSONRowEncoder.appendText(v.bits, isNull: v.isNull, type: keyTypes[k], arena: frame.arena, into: keyText)
        }
        let keyBytes = UnsafeRawBufferPointer(start: probe.storage, count: probe.count)
        let hash = GroupKey.hash(keyBytes)
        var (g, isNew) = table.find(keyBytes, hash: hash)
        if !isNew, expiry.isExpired(partitions[g].unsafelyUnwrapped.newest) {
            // Expired (idle past the retention, or every row older than the range): start afresh,
            // exactly as if a scan had already dropped the key.
            evict(g)
            (g, isNew) = table.find(keyBytes, hash: hash)
        }
        if isNew {
            partitions.append(spare.popLast() ?? Partition())
            expiry.added(at: frame.rowtime)
        }
        let p = partitions[g].unsafelyUnwrapped
        if frame.rowtime > p.newest { p.newest = frame.rowtime }
        for k in 0..<plans.count {
            let v = arguments[k]?(frame) ?? .null
            p.values.append(v)
            p.strings.append(!v.isNull && plans[k].argument?.type.kind == .string ? frame.arena.string(v.bits) : nil)
        }
        p.rowtimes.append(frame.rowtime)
        var drop = 0
        switch frameSpec {
        case .range(let millis): while p.rowtimes[drop] < frame.rowtime &- millis { drop += 1 }
        case .rows(let n): drop = max(0, p.rowtimes.count - (n + 1))
        }
        let keep = min(drop, max(0, p.rowtimes.count - 1 - maxLag))
        let windowStart = drop - keep
        if keep > 0 {
            p.removeFirst(keep, width: plans.count)
        }
        let columns = frame.count
        if post == nil || post!.count != columns + plans.count { post = Frame(count: columns + plans.count, arena: frame.arena) }
        let post = post!
        post.arena = frame.arena
        post.rowtime = frame.rowtime
        for c in 0..<columns { post.slots[c] = frame.slots[c]; post.nulls[c] = frame.nulls[c] }
        for k in 0..<plans.count { aggregate(k, p, from: windowStart, into: post, slot: columns + k) }
        out.arena = frame.arena
        out.rowtime = frame.rowtime
        for k in 0..<outputs.count {
            let v = outputs[k](post)
            out.slots[k] = v.bits
            out.nulls[k] = v.isNull
        }
        target.emit(out, key: keyEvaluators.isEmpty ? nil : UnsafeRawBufferPointer(start: keyText.storage, count: keyText.count))
    }

    override func onWatermark(_ watermark: Int64) {
        expiry.advance(to: watermark)
        if expiry.scanIsDue { scan() }
    }

    /// Emptied partitions of evicted keys, reused (buffers included) by new keys: with many keys
    /// seen once, a new key's partition object and arrays were most of the per-record allocations.
    /// At most `maximumSpare`, so a burst of evictions does not hold memory.
    private var spare: [Partition] = []
    private static let maximumSpare = 1024

    /// Removes a key's state.
    func evict(_ group: Int) {
        table.remove(group)
        if spare.count < Self.maximumSpare, let p = partitions[group] {
            p.rowtimes.removeAll(keepingCapacity: true)
            p.values.removeAll(keepingCapacity: true)
            p.strings.removeAll(keepingCapacity: true)
            p.newest = .min
            spare.append(p)
        }
        partitions[group] = nil
        expiry.evictedKeys += 1
    }

    /// Drops expired keys, trims RANGE frames' rows that no future row's window reaches (keeping
    /// LAG's rows), and compacts the table when enough groups are dead. Results do not depend on
    /// when this runs (see the type's comment), only memory does.
    func scan() {
        var oldest = Int64.max
        let trimBefore: Int64? = if case .range(let millis) = frameSpec, expiry.watermark != .min {
            expiry.watermark.subtractingReportingOverflow(millis).overflow ? nil : expiry.watermark &- millis
        } else { nil }
        for g in 0..<partitions.count {
            guard let p = partitions[g] else { continue }
            if expiry.isExpired(p.newest) { evict(g); continue }
            if let trimBefore { trim(p, before: trimBefore) }
            oldest = min(oldest, p.newest)
        }
        expiry.oldest = oldest
        if table.isWorthCompacting { compact() }
    }

    /// Removes the leading rows older than `cutoff`, but never LAG's last `maxLag` rows: the rows a
    /// later row's trimming would remove anyway, so its window and LAG are unchanged.
    func trim(_ p: Partition, before cutoff: Int64) {
        var drop = 0
        while drop < p.rowtimes.count, p.rowtimes[drop] < cutoff { drop += 1 }
        let keep = min(drop, max(0, p.rowtimes.count - maxLag))
        if keep > 0 { p.removeFirst(keep, width: plans.count) }
    }

    func compact() {
        let mapping = table.compact(relocating: nil)
        var kept = [Partition?](repeating: nil, count: table.count)
        for (old, new) in mapping.enumerated() where new >= 0 { kept[new] = partitions[old] }
        partitions = kept
    }

    func aggregate(_ k: Int, _ p: Partition, from start: Int, into f: Frame, slot: Int) {
        let plan = plans[k]
        let last = p.rowtimes.count - 1
        let width = plans.count
        let kind = plan.argument?.type.kind ?? .integer
        func setValue(_ i: Int) {
            let v = p.values[i * width + k]
            if v.isNull { f.setNull(slot) } else if kind == .string { f.set(slot, f.arena.store(p.strings[i * width + k]!)) } else { f.set(slot, v.bits) }
        }
        switch plan.function {
        case .lag:
            let i = last - plan.offset
            if i < 0 { f.setNull(slot) } else { setValue(i) }
            return
        case .countStar: f.set(slot, UInt64(last - start + 1)); return
        case .firstValue: setValue(start); return
        case .lastValue: setValue(last); return
        default: break
        }
        var n = 0
        var sumD = 0.0, sumI: Int64 = 0, sumSq = 0.0
        var best = -1
        for i in start...last {
            let v = p.values[i * width + k]
            if v.isNull { continue }
            n += 1
            if kind == .double { sumD += v.double; sumSq += v.double * v.double } else { sumI &+= v.int; sumD += Double(v.int); sumSq += Double(v.int) * Double(v.int) }
            if plan.function == .min || plan.function == .max {
                if best < 0 { best = i; continue }
                let c: Int
                if kind == .string {
                    let a = p.strings[i * width + k]!, b = p.strings[best * width + k]!
                    c = a < b ? -1 : (a > b ? 1 : 0)
                } else { c = Compare.values(v, p.values[best * width + k], kind: kind, f.arena, f.arena) }
                if plan.function == .min ? c < 0 : c > 0 { best = i }
            }
        }
        switch plan.function {
        case .count: f.set(slot, UInt64(n))
        case .sum: if n == 0 { f.setNull(slot) } else { f.set(slot, kind == .double ? sumD.bitPattern : UInt64(bitPattern: sumI)) }
        case .avg: if n == 0 { f.setNull(slot) } else { f.set(slot, (sumD / Double(n)).bitPattern) }
        case .min, .max: if best < 0 { f.setNull(slot) } else { setValue(best) }
        case .stddevPop, .stddevSamp, .varPop, .varSamp:
            let sample = plan.function == .stddevSamp || plan.function == .varSamp
            let d = Double(sample ? n - 1 : n)
            if d <= 0 { f.setNull(slot); return }
            let mean = sumD / Double(n)
            let variance = max(0, (sumSq - Double(n) * mean * mean) / d)
            let std = plan.function == .stddevPop || plan.function == .stddevSamp
            f.set(slot, (std ? variance.squareRoot() : variance).bitPattern)
        default: f.setNull(slot)
        }
    }
}
