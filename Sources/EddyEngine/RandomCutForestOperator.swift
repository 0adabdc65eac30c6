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
final class RandomCutForestOperator: CursorPassThroughOperator {
    static let maximumKeys = 1000
    let configuration: ForestConfiguration
    let explain: Bool
    let directionality: Bool
    let partitionColumn: Int?
    let partitionKind: ValueKind
    let keys = GroupTable(stateWords: 1)
    let probe = ByteArena(capacity: 64)
    @exclusivity(unchecked) var forests: [RandomCutForest?] = []
    /// Column attribution sums, high then low, reused per row.
    @exclusivity(unchecked) var columnAttribution: [Double]
    /// The forest's attribution over the shingled dimensions, reused per row (no allocation).
    @exclusivity(unchecked) var pointAttribution: DiVector
    /// `"NAME":{"ATTRIBUTION_SCORE":` per feature, pre-encoded.
    let explanationPrefixes: [[UInt8]]
    let scoreSlot: Int

    init(_ plan: TableFunctionPlan, compiler: ExpressionCompiler) throws(EngineError) {
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
            let (group, isNew) = keys.find(bytes, hash: GroupKey.hash(bytes))
            if isNew {
                if forests.count < Self.maximumKeys, let forest = try? makeForest(seed: configuration.seed ^ StableHash64.hash(bytes: bytes)) {
                    forests.append(forest)
                } else {
                    forests.append(nil)
                }
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
