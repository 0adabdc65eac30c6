import EddyCore
import EddySQL
import EddySketches

/// Aggregate state: three 8-byte words per aggregate in a flat buffer, updated in place, so a
/// window's per-group state is one contiguous block and updating it allocates nothing.
///
/// A class, not a struct: an operator calling `add` on a struct stored in its own property copied it,
/// retaining and releasing each of its five arrays around every record.
final class Accumulators {
    static let width = 3
    let plans: [AggregatePlan]
    let arguments: [Evaluator?]
    let kinds: [ValueKind]
    /// Derived from `plans` (not state): each aggregate's function, and its argument when it can be
    /// read without calling the closure in `arguments`.
    let functions: ContiguousArray<AggregateFunction>
    let direct: ContiguousArray<DirectRead>

    init(_ plans: [AggregatePlan], compiler: ExpressionCompiler) {
        self.plans = plans
        arguments = plans.map { $0.argument.map(compiler.compile) }
        kinds = plans.map { $0.argument?.type.kind ?? .integer }
        functions = ContiguousArray(plans.map(\.function))
        direct = ContiguousArray(plans.map { DirectRead($0.argument) })
    }

    var stateWords: Int { plans.count * Self.width }

    /// Zeroes the state; an APPROX_COUNT_DISTINCT sketch already attached is emptied in place and kept.
    @inline(__always) func reset(_ s: UnsafeMutablePointer<UInt64>, sketches: DistinctSketches) {
        for k in 0..<plans.count {
            let a = s + k * Self.width
            if plans[k].function == .approxCountDistinct, a[0] != 0 {
                sketches.clear(Int(a[0]) - 1)
                a[1] = 0; a[2] = 0
            } else {
                a.update(repeating: 0, count: Self.width)
            }
        }
    }

    /// Folds one input row into the state; strings kept by MIN/MAX/FIRST/LAST are copied to `keep`,
    /// and APPROX_COUNT_DISTINCT keeps its sketch in `sketches` (state word 0 is its index + 1).
    @inline(__always) func add(_ frame: Frame, into s: UnsafeMutablePointer<UInt64>, keep: ByteArena, sketches: DistinctSketches) {
        frame.withArena { add(frame, arena: $0, into: s, keep: keep, sketches: sketches) }
    }

    @inline(__always) func add(_ frame: Frame, arena: ByteArena, into s: UnsafeMutablePointer<UInt64>, keep: ByteArena, sketches: DistinctSketches) {
        for k in 0..<functions.count {
            let a = s + k * Self.width
            let function = functions[k]
            if function == .countStar { a[0] &+= 1; continue }
            let v = direct[k].read(frame) ?? arguments[k]!(frame)
            switch function {
            case .countStar: break
            case .count: if !v.isNull { a[0] &+= 1 }
            case .sum:
                if v.isNull { continue }
                if kinds[k] == .double { a[0] = (Double(bitPattern: a[0]) + v.double).bitPattern } else { a[0] = UInt64(bitPattern: Int64(bitPattern: a[0]) &+ v.int) }
                a[1] &+= 1
            case .avg:
                if v.isNull { continue }
                a[0] = (Double(bitPattern: a[0]) + v.double).bitPattern
                a[1] &+= 1
            case .stddevPop, .stddevSamp, .varPop, .varSamp:
                if v.isNull { continue }
                let n = Double(a[0] + 1)
                let mean = Double(bitPattern: a[1])
                let delta = v.double - mean
                let newMean = mean + delta / n
                a[0] += 1
                a[1] = newMean.bitPattern
                a[2] = (Double(bitPattern: a[2]) + delta * (v.double - newMean)).bitPattern
            case .min, .max:
                if v.isNull { continue }
                if a[1] == 0 || better(v, than: Value(bits: a[0], isNull: false), kind: kinds[k], min: function == .min, arena, keep) {
                    a[0] = kinds[k] == .string ? keep.copy(v.bits, from: arena) : v.bits
                    a[1] = 1
                }
            case .firstValue:
                if a[1] != 0 { continue }
                a[0] = v.isNull ? 0 : (kinds[k] == .string ? keep.copy(v.bits, from: arena) : v.bits)
                a[1] = 1
                a[2] = v.isNull ? 1 : 0
            case .lastValue:
                a[0] = v.isNull ? 0 : (kinds[k] == .string ? keep.copy(v.bits, from: arena) : v.bits)
                a[1] = 1
                a[2] = v.isNull ? 1 : 0
            case .approxCountDistinct:
                if v.isNull { continue }
                if a[0] == 0 { a[0] = UInt64(sketches.make() + 1) }
                sketches.insert(v, kind: kinds[k], arena: arena, into: Int(a[0]) - 1)
            case .lag: break
            }
        }
    }

    @inline(__always) func better(_ v: Value, than current: Value, kind: ValueKind, min: Bool, _ va: ByteArena, _ ca: ByteArena) -> Bool {
        let c = Compare.values(v, current, kind: kind, va, ca)
        return min ? c < 0 : c > 0
    }

    /// Writes the aggregate results into `frame` slots starting at `base`.
    func results(_ s: UnsafeMutablePointer<UInt64>, into frame: Frame, base: Int, sketches: DistinctSketches) {
        for k in 0..<plans.count {
            let a = s + k * Self.width
            let slot = base + k
            switch plans[k].function {
            case .countStar, .count: frame.set(slot, a[0])
            case .sum: if a[1] == 0 { frame.setNull(slot) } else { frame.set(slot, a[0]) }
            case .avg: if a[1] == 0 { frame.setNull(slot) } else { frame.set(slot, (Double(bitPattern: a[0]) / Double(a[1])).bitPattern) }
            case .stddevPop, .stddevSamp, .varPop, .varSamp:
                let n = Double(a[0])
                let sample = plans[k].function == .stddevSamp || plans[k].function == .varSamp
                let denominator = sample ? n - 1 : n
                if denominator <= 0 { frame.setNull(slot); continue }
                let variance = Double(bitPattern: a[2]) / denominator
                let isStd = plans[k].function == .stddevPop || plans[k].function == .stddevSamp
                frame.set(slot, (isStd ? variance.squareRoot() : variance).bitPattern)
            case .min, .max: if a[1] == 0 { frame.setNull(slot) } else { frame.set(slot, a[0]) }
            case .firstValue, .lastValue: if a[1] == 0 || a[2] != 0 { frame.setNull(slot) } else { frame.set(slot, a[0]) }
            case .approxCountDistinct: frame.set(slot, UInt64(bitPattern: a[0] == 0 ? 0 : sketches.count(Int(a[0]) - 1)))
            case .lag: frame.setNull(slot)
            }
        }
    }
}

/// The APPROX_COUNT_DISTINCT sketches of one group table: exact sets up to KDA's 10,000 items, then
/// HyperLogLog (EddySketches.DistinctCounter). They live as long as the table, so a fired tumbling
/// window frees them with it. Values hash like COUNT_DISTINCT_ITEMS_TUMBLING's: strings by their
/// UTF-8 bytes, numbers by their value.
final class DistinctSketches {
    /// The counters, in storage this class manages: updating one in a stored array checked the
    /// array's uniqueness (a retain, a check and a release) on every insert.
    @exclusivity(unchecked) private var storage = UnsafeMutablePointer<DistinctCounter>.allocate(capacity: 4)
    @exclusivity(unchecked) private var capacity = 4
    @exclusivity(unchecked) private(set) var count = 0

    /// The counters as an array (snapshots and partial-window merges; copies them).
    var counters: [DistinctCounter] {
        get { Array(UnsafeBufferPointer(start: storage, count: count)) }
        set {
            storage.deinitialize(count: count)
            count = 0
            for counter in newValue { append(counter) }
        }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func append(_ counter: DistinctCounter) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<DistinctCounter>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        (storage + count).initialize(to: counter)
        count += 1
    }

    func make() -> Int {
        append(DistinctCounter.kda())
        return count - 1
    }

    func clear(_ index: Int) { storage[index] = DistinctCounter.kda() }

    @inline(__always) func insert(_ v: Value, kind: ValueKind, arena: ByteArena, into index: Int) {
        switch kind {
        case .string: storage[index].insert(hash: StableHash64.hash(bytes: arena.bytes(v.bits)))
        case .double: storage[index].insert(v.double)
        default: storage[index].insert(v.int)
        }
    }

    func count(_ index: Int) -> Int64 { Int64(storage[index].count) }

    /// A copy of one counter (compaction moves live groups' sketches to a new table).
    func counter(_ index: Int) -> DistinctCounter { storage[index] }
}

/// Open-addressing hash table from serialized group keys to dense group numbers. Keys and any
/// strings the groups keep live in one arena, freed as a whole when the window fires.
///
/// Groups can be removed (keyed state that no future row needs, issue 6): a removed group keeps its
/// number and its slot in the probe index as a tombstone (its stored hash is inverted, so no key
/// ever matches it again and `find` pays nothing for the check) until `compact` rebuilds the table
/// with the live groups only (see GroupTable+Compaction.swift).
final class GroupTable {
    let arena = ByteArena(capacity: 1024)
    @exclusivity(unchecked) var index: [Int32]
    @exclusivity(unchecked) var mask: Int
    @exclusivity(unchecked) var hashes: [UInt64] = []
    @exclusivity(unchecked) var keyRefs: [UInt64] = []
    /// Whether each group is live (false: removed, awaiting compaction).
    @exclusivity(unchecked) var live: [Bool] = []
    /// Removed groups still occupying numbers.
    @exclusivity(unchecked) var deadCount = 0
    /// Aggregate state, `stateWords` per group, manually managed so updating it needs no
    /// uniqueness check or copy-on-write.
    @exclusivity(unchecked) var state: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) var stateCapacity: Int
    let stateWords: Int
    /// Sketches of the groups' APPROX_COUNT_DISTINCT aggregates.
    let sketches = DistinctSketches()
    var count: Int { hashes.count }

    init(stateWords: Int, capacity: Int = 64) {
        self.stateWords = stateWords
        stateCapacity = max(stateWords * 16, 1)
        state = .allocate(capacity: stateCapacity)
        index = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// The group number of `key`, inserting it (with zeroed state) if new.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (group: Int, isNew: Bool) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let g = Int(index[i])
            if g < 0 { break }
            if hashes[g] == hash, Compare.bytes(arena.bytes(keyRefs[g]), key) == 0 { return (g, false) }
            i = (i + 1) & mask
        }
        let g = hashes.count
        hashes.append(hash)
        keyRefs.append(arena.store(key))
        live.append(true)
        if (g + 1) * stateWords > stateCapacity {
            let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: stateCapacity * 2)
            bigger.update(from: state, count: g * stateWords)
            state.deallocate()
            state = bigger
            stateCapacity *= 2
        }
        (state + g * stateWords).initialize(repeating: 0, count: stateWords)
        index[i] = Int32(g)
        if hashes.count * 2 > index.count { rehash() }
        return (g, true)
    }

    deinit { state.deallocate() }

    func rehash() {
        let capacity = index.count * 2
        index = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for g in 0..<hashes.count {
            var i = Int(truncatingIfNeeded: hashes[g]) & mask
            while index[i] >= 0 { i = (i + 1) & mask }
            index[i] = Int32(g)
        }
    }
}

/// Serializes group-key values into bytes (a null byte, then 8 bytes or length + UTF-8), and decodes them back.
enum GroupKey {
    static func append(_ v: Value, kind: ValueKind, from arena: ByteArena, into out: ByteArena) {
        out.append(v.isNull ? 1 : 0)
        if v.isNull { return }
        if kind == .string {
            var n = UInt32(StringRef.length(v.bits))
            withUnsafeBytes(of: &n) { out.append($0) }
            out.append(arena.bytes(v.bits))
        } else {
            var bits = v.bits
            withUnsafeBytes(of: &bits) { out.append($0) }
        }
    }

    /// Decodes key values into frame slots 0..<kinds.count; string refs point into `arena`.
    static func decode(_ ref: UInt64, kinds: [ValueKind], arena: ByteArena, into frame: Frame) {
        var offset = StringRef.offset(ref)
        let base = arena.storage
        for (slot, kind) in kinds.enumerated() {
            if base[offset] == 1 { frame.setNull(slot); offset += 1; continue }
            offset += 1
            if kind == .string {
                let n = Int(UnsafeRawPointer(base + offset).loadUnaligned(as: UInt32.self))
                frame.set(slot, StringRef.make(offset: offset + 4, length: n))
                offset += 4 + n
            } else {
                frame.set(slot, UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
                offset += 8
            }
        }
    }

    /// FNV-1a over the key bytes.
    @inline(__always) static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h ^ (h >> 29)
    }
}
