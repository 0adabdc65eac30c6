import EddyCore
import EddySQL
import EddySketches

/// RANDOM_CUT_FOREST and RANDOM_CUT_FOREST_WITH_EXPLANATION: every cursor row goes out at once with
/// ANOMALY_SCORE (and ANOMALY_EXPLANATION), scored against the forest *before* it learns the row, as
/// KDA did. The features are the cursor's numeric columns, in cursor order.
///
/// Eddy's extension `'PARTITION_BY=col'` keeps one forest per value of `col` (seeded from the seed
/// and a stable hash of the value, so scores do not depend on which key came first); that column is
/// then not a feature. At most `maximumKeys` forests: rows of further keys get a NULL score and,
/// with explanation, the reason in ANOMALY_EXPLANATION. A row with a NULL feature is not learned
/// and gets the same treatment, so no row is dropped without a reason.
///
/// Per row the cost is the forest's plus a lookup of the key bytes; neither path allocates (the
/// feature buffer and the attribution vector are reused), and the explanation JSON is written
/// straight into the frame's arena.
///
/// Per-key forests expire after the idle-key retention (`KeyExpiry`, `state_retention`): a key
/// without rows for that long of event time loses its forest, which frees its place among the
/// `maximumKeys`; if it comes back it starts a new forest (scores 0 until its sample fills again).
/// A key refused for lack of room gets a forest on its next row once there is room.
final class RandomCutForestOperator: CursorPassThroughOperator, KeyEvictingOperator {
    static let maximumKeys = 1000
    let configuration: ForestConfiguration
    let explain: Bool
    let directionality: Bool
    let partitionColumn: Int?
    let partitionKind: ValueKind
    let keys = GroupTable(stateWords: 1)
    let probe = ByteArena(capacity: 64)
    @exclusivity(unchecked) var forests: [RandomCutForest?] = []
    /// Per key: the highest rowtime of its rows (when it was last active).
    @exclusivity(unchecked) var lastSeen: [Int64] = []
    /// Forests held (keys with a forest), at most `maximumKeys`.
    @exclusivity(unchecked) var liveForests = 0
    @exclusivity(unchecked) var expiry: KeyExpiry
    var evictedKeys: Int { expiry.evictedKeys }
    /// Column attribution sums, high then low, reused per row.
    @exclusivity(unchecked) var columnAttribution: [Double]
    /// The forest's attribution over the shingled dimensions, reused per row (no allocation).
    @exclusivity(unchecked) var pointAttribution: DiVector
    /// `"NAME":{"ATTRIBUTION_SCORE":` per feature, pre-encoded.
    let explanationPrefixes: [[UInt8]]
    let scoreSlot: Int

    init(_ plan: TableFunctionPlan, compiler: ExpressionCompiler, retention: Int64 = Engine.defaultStateRetentionMillis) throws(EngineError) {
        expiry = KeyExpiry(span: retention)
        let options = plan.options
        let partition = options["PARTITION_BY"].flatMap { plan.cursorSchema.index(of: $0) }
        partitionColumn = partition
        partitionKind = partition.map { plan.cursorSchema.columns[$0].type.kind } ?? .integer
        explain = plan.name == "RANDOM_CUT_FOREST_WITH_EXPLANATION"
        if explain, case .boolean(let b) = plan.arguments[4] { directionality = b } else { directionality = false }
        let numeric = plan.cursorSchema.columns.indices.filter { $0 != partition && plan.cursorSchema.columns[$0].type.isNumeric }
        guard let trees = plan.integer(0), let sample = plan.integer(1), let decay = plan.integer(2), let shingle = plan.integer(3) else {
            throw plan.failure("bad forest arguments")
        }
        do {
            configuration = try ForestConfiguration.kda(
                inputDimensions: numeric.count, numberOfTrees: Int(trees), subSampleSize: Int(sample), timeDecay: Int(decay),
                shingleSize: Int(shingle), seed: UInt64(options["SEED"].flatMap { Int64($0) } ?? 0))
        } catch {
            throw plan.failure("\(error)")
        }
        columnAttribution = [Double](repeating: 0, count: 2 * numeric.count)
        pointAttribution = DiVector(dimensions: configuration.pointDimensions)
        explanationPrefixes = numeric.map { c in
            let escaped = ByteArena(capacity: 64)
            var name = plan.cursorSchema.columns[c].name
            name.withUTF8 { JSONRowEncoder.appendString(UnsafeRawBufferPointer($0), into: escaped) }
            return Array(escaped.bytes(StringRef.make(offset: 0, length: escaped.count))) + Array(":{\"ATTRIBUTION_SCORE\":".utf8)
        }
        scoreSlot = plan.cursorSchema.count
        super.init(plan, compiler: compiler, excluding: partition)
        if partition == nil { forests = [try makeForest(seed: configuration.seed)] }
    }

    func makeForest(seed: UInt64) throws(EngineError) -> RandomCutForest {
        var keyed = configuration
        keyed.seed = seed
        do { return try RandomCutForest(configuration: keyed) } catch { throw plan.failure("\(error)") }
    }

    override func process(_ frame: Frame) {
        guard passes(frame) else { return }
        if let missing = load(frame) {
            reject("feature column \(missing) is NULL")
            return
        }
        let index: Int
        if let p = partitionColumn {
            probe.reset()
            GroupKey.append(Value(bits: row.slots[p], isNull: row.nulls[p]), kind: partitionKind, from: row.arena, into: probe)
            let bytes = UnsafeRawBufferPointer(start: probe.storage, count: probe.count)
            let hash = GroupKey.hash(bytes)
            var (group, isNew) = keys.find(bytes, hash: hash)
            if !isNew, expiry.isExpired(lastSeen[group]) {
                // Idle past the retention: a new forest, exactly as if a scan had dropped the key.
                evict(group)
                (group, isNew) = keys.find(bytes, hash: hash)
            }
            if isNew {
                forests.append(nil)
                lastSeen.append(row.rowtime)
                expiry.added(at: row.rowtime)
            } else if row.rowtime > lastSeen[group] {
                lastSeen[group] = row.rowtime
            }
            if forests[group] == nil, hasRoom(), let forest = try? makeForest(seed: configuration.seed ^ StableHash64.hash(bytes: bytes)) {
                forests[group] = forest
                liveForests += 1
            }
            index = group
        } else {
            index = 0
        }
        guard forests[index] != nil else {
            reject("more than \(Self.maximumKeys) PARTITION_BY keys: this key has no forest")
            return
        }
        if explain {
            explainRow(index)
        } else {
            let score = features.withUnsafeBufferPointer { buffer in (try? forests[index]!.process(buffer)) }
            guard let score else { reject("a feature value is not a finite 32-bit number"); return }
            row.set(scoreSlot, score.bitPattern)
        }
        emitRow()
    }

    override func onWatermark(_ watermark: Int64) {
        guard partitionColumn != nil else { return }
        expiry.advance(to: watermark)
        if expiry.scanIsDue { scan() }
    }

    /// Whether another forest fits; at the limit, expired keys are dropped first, so whether a key
    /// gets a forest does not depend on when scans ran.
    func hasRoom() -> Bool {
        if liveForests < Self.maximumKeys { return true }
        if expiry.mayHaveExpired { scan() }
        return liveForests < Self.maximumKeys
    }

    func evict(_ group: Int) {
        keys.remove(group)
        if forests[group] != nil { liveForests -= 1 }
        forests[group] = nil
        expiry.evictedKeys += 1
    }

    /// Drops every expired key and compacts the key table when enough are dead.
    func scan() {
        var oldest = Int64.max
        for g in 0..<lastSeen.count where keys.live[g] {
            if expiry.isExpired(lastSeen[g]) { evict(g) } else { oldest = min(oldest, lastSeen[g]) }
        }
        expiry.oldest = oldest
        if keys.isWorthCompacting { compact() }
    }

    func compact() {
        let mapping = keys.compact(relocating: nil)
        var keptForests = [RandomCutForest?](repeating: nil, count: keys.count)
        var keptLastSeen = [Int64](repeating: .min, count: keys.count)
        for (old, new) in mapping.enumerated() where new >= 0 {
            keptForests[new] = forests[old]
            keptLastSeen[new] = lastSeen[old]
        }
        forests = keptForests
        lastSeen = keptLastSeen
    }

    /// Scores, explains and learns the row, writing KDA's explanation JSON into the arena.
    func explainRow(_ index: Int) {
        let score = features.withUnsafeBufferPointer { buffer in
            try? forests[index]!.processWithAttribution(buffer, into: &pointAttribution)
        }
        guard let score else {
            reject("a feature value is not a finite 32-bit number")
            return
        }
        let d = featureColumns.count
        columnAttribution.withUnsafeMutableBufferPointer { sums in
            pointAttribution.high.withUnsafeBufferPointer { high in
                pointAttribution.low.withUnsafeBufferPointer { low in
                    for j in 0..<2 * d { sums[j] = 0 }
                    for i in 0..<high.count {
                        sums[i % d] += high[i]
                        sums[d + i % d] += low[i]
                    }
                }
            }
        }
        let arena = row.arena
        let start = arena.count
        arena.append(UInt8(ascii: "{"))
        for j in 0..<d {
            if j > 0 { arena.append(UInt8(ascii: ",")) }
            explanationPrefixes[j].withUnsafeBytes { arena.append($0) }
            let high = columnAttribution[j], low = columnAttribution[d + j]
            JSONRowEncoder.appendDouble(high + low, type: .double, into: arena)
            if directionality {
                arena.append(",\"STRENGTH\":")
                JSONRowEncoder.appendDouble(abs(high - low), type: .double, into: arena)
                arena.append(high >= low ? ",\"DIRECTION\":\"HIGH\"" : ",\"DIRECTION\":\"LOW\"")
            }
            arena.append(UInt8(ascii: "}"))
        }
        arena.append(UInt8(ascii: "}"))
        row.set(scoreSlot, score.bitPattern)
        row.set(scoreSlot + 1, StringRef.make(offset: start, length: arena.count - start))
    }

    /// The row goes out unscored: NULL score, and the reason as the explanation when there is one.
    func reject(_ reason: String) {
        row.setNull(scoreSlot)
        if explain {
            let arena = row.arena
            let start = arena.count
            arena.append("{\"ERROR\":")
            var text = reason
            text.withUTF8 { JSONRowEncoder.appendString(UnsafeRawBufferPointer($0), into: arena) }
            arena.append(UInt8(ascii: "}"))
            row.set(scoreSlot + 1, StringRef.make(offset: start, length: arena.count - start))
        }
        emitRow()
    }
}
