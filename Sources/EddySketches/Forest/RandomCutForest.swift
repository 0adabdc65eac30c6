/// A streaming Random Cut Forest (Guha et al., ICML 2016) with AWS's anomaly score and attribution.
///
/// Feed it one record of `inputDimensions` values at a time. With `shingleSize > 1` the forest keeps
/// the last `shingleSize` records and treats their concatenation (oldest first) as one point.
/// Every tree samples the stream through its own time-decayed reservoir. Scores are the average of
/// the trees' scores; they are 0 until `outputAfter` shingled points have been absorbed.
///
/// A value type with copy-on-write storage: copying is cheap, and the first mutation of a shared
/// copy duplicates the buffers. Seeded and deterministic; `serialized()` captures the whole state
/// (trees, reservoirs, points, shingle, generators) and a restored forest continues identically.
public struct RandomCutForest: Sendable {
    public let configuration: ForestConfiguration
    var storage: ForestStorage
    /// The last `shingleSize` records, oldest first.
    var shingle: [Float]
    /// Records received (the shingle is full once this reaches `shingleSize`).
    public internal(set) var recordsSeen: Int
    /// Shingled points offered to the trees.
    public internal(set) var entriesSeen: Int

    public init(configuration: ForestConfiguration) throws(SketchConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        storage = ForestStorage(
            trees: configuration.numberOfTrees, sampleSize: configuration.sampleSize,
            dimensions: configuration.pointDimensions)
        storage.reset(seed: configuration.seed)
        shingle = [Float](repeating: 0, count: configuration.pointDimensions)
        recordsSeen = 0
        entriesSeen = 0
    }

    /// Whether scores are being reported (KDA: the sample has filled).
    public var isReady: Bool {
        recordsSeen >= configuration.shingleSize && entriesSeen >= configuration.outputAfter
    }

    /// Bytes of the forest's buffers (trees, boxes, reservoirs, point store).
    public var memoryBytes: Int { storage.allocatedBytes + shingle.count * 4 }

    // MARK: record intake

    /// Why a record was refused.
    public struct RecordError: Error, Equatable, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { "RANDOM_CUT_FOREST record rejected: \(reason)" }
    }

    /// Writes into `target` the shingled point this record would form, as Floats.
    private func shingledPoint(_ record: UnsafeBufferPointer<Double>, into target: UnsafeMutablePointer<Float>) throws(RecordError) {
        let d = configuration.inputDimensions
        guard record.count == d else {
            throw RecordError(reason: "expected \(d) numeric values, got \(record.count)")
        }
        let total = configuration.pointDimensions
        shingle.withUnsafeBufferPointer { old in
            if total > d { target.update(from: old.baseAddress! + d, count: total - d) }
        }
        for j in 0..<d {
            let value = Float(record[j])
            guard value.isFinite else {
                throw RecordError(reason: "value \(record[j]) at position \(j) is not a finite 32-bit number")
            }
            target[total - d + j] = value
        }
    }

    /// Runs `body` with fresh working memory: reads may run on storage shared between copies, so
    /// they cannot use the storage's own scratch (the mutating paths do, after `makeUnique`).
    @inline(__always)
    private func withScratch<R>(_ body: (ForestScratch) throws(RecordError) -> R) throws(RecordError) -> R {
        let scratch = ForestScratch.allocate(
            trees: configuration.numberOfTrees, sampleSize: configuration.sampleSize, dimensions: configuration.pointDimensions)
        defer { scratch.deallocate() }
        return try body(scratch)
    }

    // MARK: scoring

    /// The anomaly score the record would get now (without learning from it); 0 until ready.
    public func score(_ record: UnsafeBufferPointer<Double>) throws(RecordError) -> Double {
        try withScratch { scratch throws(RecordError) in
            try shingledPoint(record, into: scratch.point)
            guard readyAfterThisRecord else { return 0 }
            return forestScore(scratch, learning: nil)
        }
    }

    public func score(_ record: [Double]) throws(RecordError) -> Double {
        try record.withUnsafeBufferPointer { buffer throws(RecordError) in try score(buffer) }
    }

    /// Scores the record, then learns from it: KDA's per-row behaviour.
    public mutating func process(_ record: UnsafeBufferPointer<Double>) throws(RecordError) -> Double {
        makeUnique()
        // The storage's own scratch, used without a closure: a closure mutating `self` passed to a
        // method of `self` makes Swift copy `self` for the call, and the copy's reference to
        // `shingle` would make every record copy that array.
        let scratch = storage.scratch
        try shingledPoint(record, into: scratch.point)
        return absorb(scratch, scoring: readyAfterThisRecord ? .score : .none)
    }

    public mutating func process(_ record: [Double]) throws(RecordError) -> Double {
        try record.withUnsafeBufferPointer { buffer throws(RecordError) in try process(buffer) }
    }

    /// Learns from the record without scoring it.
    public mutating func update(_ record: [Double]) throws(RecordError) {
        makeUnique()
        try record.withUnsafeBufferPointer { buffer throws(RecordError) in
            let scratch = storage.scratch
            try shingledPoint(buffer, into: scratch.point)
            _ = absorb(scratch, scoring: .none)
        }
    }

    /// The record's score and its attribution over the shingled dimensions (all zero until ready).
    public func attribution(_ record: [Double]) throws(RecordError) -> DiVector {
        let d = configuration.pointDimensions
        var result = DiVector(dimensions: d)
        try record.withUnsafeBufferPointer { buffer throws(RecordError) in
            try withScratch { scratch throws(RecordError) in
                try shingledPoint(buffer, into: scratch.point)
                guard readyAfterThisRecord else { return }
                forestAttribution(scratch, learning: nil, into: &result)
            }
        }
        return result
    }

    /// Scores and explains the record, then learns from it (RANDOM_CUT_FOREST_WITH_EXPLANATION).
    /// The score equals `attribution.total` up to rounding.
    public mutating func processWithAttribution(_ record: [Double]) throws(RecordError) -> (score: Double, attribution: DiVector) {
        var attribution = DiVector(dimensions: configuration.pointDimensions)
        let score = try record.withUnsafeBufferPointer { buffer throws(RecordError) in
            try processWithAttribution(buffer, into: &attribution)
        }
        return (score, attribution)
    }

    /// Scores and explains the record into `attribution` (resized to the point dimensions if needed,
    /// all zero until ready), then learns from it; returns the score (`attribution.total`). Reusing
    /// one `DiVector` keeps the per-record path free of allocations. Each tree's update reuses the
    /// walk its attribution made, so explaining costs one traversal per tree, not two.
    public mutating func processWithAttribution(
        _ record: UnsafeBufferPointer<Double>, into attribution: inout DiVector
    ) throws(RecordError) -> Double {
        makeUnique()
        let d = configuration.pointDimensions
        if attribution.dimensions != d { attribution = DiVector(dimensions: d) }
        let scratch = storage.scratch
        try shingledPoint(record, into: scratch.point)
        guard readyAfterThisRecord else {
            for i in 0..<d {
                attribution.high[i] = 0
                attribution.low[i] = 0
            }
            _ = absorb(scratch, scoring: .none)
            return 0
        }
        withUnsafeMutablePointer(to: &attribution) { result in
            _ = absorb(scratch, scoring: .attribution(result))
        }
        return attribution.total
    }

    /// Whether, once this record completes the shingle, the forest reports scores.
    private var readyAfterThisRecord: Bool {
        recordsSeen + 1 >= configuration.shingleSize && entriesSeen >= configuration.outputAfter
    }

    /// What `absorb` computes from the trees before they learn the point.
    private enum Scoring {
        case none
        case score
        /// The attribution goes into the pointed-to vector.
        case attribution(UnsafeMutablePointer<DiVector>)
    }

    /// The update that follows a score: every tree's reservoir decision, and the stored point to insert.
    private struct Learning {
        let slot: Int32
        let decisions: UnsafePointer<SampleDecision>
    }

    /// Scores the point over all trees; with `learning`, each tree then learns the point by reusing
    /// the walk its score made (trees are independent, so scoring tree t before updating it gives
    /// the same result as scoring every tree first).
    private func forestScore(_ scratch: ForestScratch, learning: Learning?) -> Double {
        let storage = self.storage
        let trees = configuration.numberOfTrees
        let group = ForestStorage.groupSize
        let stride = configuration.sampleSize + 1
        let point = scratch.point
        let paths = scratch.paths
        let lanes = scratch.lanes
        var sum = 0.0
        var first = 0
        if let learning { prefetchEvictionParents(learning, first: 0, count: min(group, trees)) }
        while first < trees {
            let count = min(group, trees - first)
            var updating: UInt32 = 0
            if let learning {
                // Eviction prefetches run a group ahead: the next group's parents, this
                // group's neighbourhoods (whose parents were requested a group ago).
                prefetchEvictionParents(learning, first: first + count, count: min(group, trees - first - count))
                for g in 0..<count where learning.decisions[first + g].isAccepted {
                    updating |= 1 << g
                    if learning.decisions[first + g].evicts { storage.prefetchEvictionNeighbourhood(tree: first + g) }
                }
            }
            sum += storage.scoreGroup(
                first: first, count: count, point: point, paths: paths, lanes: lanes, scores: scratch.scores,
                updating: updating)
            if let learning {
                for g in 0..<count where updating & (1 << g) != 0 && lanes[2 * group + g] != 0 {
                    prefetch(storage.pointValues(storage.leafPoint[(first + g) * configuration.sampleSize + Int(~lanes[g])]))
                }
                for g in 0..<count where learning.decisions[first + g].isAccepted {
                    storage.accept(
                        tree: first + g, slot: learning.slot, decision: learning.decisions[first + g],
                        path: paths + g * stride, descent: ForestStorage.groupDescent(lanes: lanes, lane: g))
                }
            }
            first += count
        }
        return sum / Double(trees)
    }

    /// Stage two of the eviction prefetch (see `ForestStorage.prefetchEviction`) for trees
    /// `first ..< first + count`.
    @inline(__always)
    private func prefetchEvictionParents(_ learning: Learning, first: Int, count: Int) {
        guard count > 0 else { return }
        for t in first..<(first + count) where learning.decisions[t].evicts {
            storage.prefetchEvictionParent(tree: t)
        }
    }

    /// The point's attribution over all trees into `result`; with `learning`, each tree then learns
    /// the point by reusing the walk its attribution made. Trees are walked `groupSize` at a time in
    /// lockstep, as scoring does, so their cache misses overlap; each tree's attribution then climbs
    /// its own path, whose boxes the walk prefetched.
    private func forestAttribution(_ scratch: ForestScratch, learning: Learning?, into result: inout DiVector) {
        let d = configuration.pointDimensions
        let storage = self.storage
        let trees = configuration.numberOfTrees
        let group = ForestStorage.groupSize
        let stride = configuration.sampleSize + 1
        let point = scratch.point
        let paths = scratch.paths
        let lanes = scratch.lanes
        let accumulator = scratch.doubles
        accumulator.update(repeating: 0, count: 2 * d)
        var first = 0
        if let learning { prefetchEvictionParents(learning, first: 0, count: min(group, trees)) }
        while first < trees {
            let count = min(group, trees - first)
            if let learning {
                prefetchEvictionParents(learning, first: first + count, count: min(group, trees - first - count))
                for t in first..<(first + count) where learning.decisions[t].evicts {
                    storage.prefetchEvictionNeighbourhood(tree: t)
                }
            }
            storage.descendGroup(first: first, count: count, point: point, paths: paths, lanes: lanes)
            storage.prefetchLeaves(first: first, count: count, lanes: lanes)
            for g in 0..<count {
                let t = first + g
                let descent = storage.addAttribution(
                    tree: t, point: point, path: paths + g * stride,
                    descent: ForestStorage.groupDescent(lanes: lanes, lane: g), accumulator: accumulator,
                    work: accumulator + 2 * d, shadow: scratch.shadow)
                if let learning, learning.decisions[t].isAccepted {
                    storage.accept(
                        tree: t, slot: learning.slot, decision: learning.decisions[t], path: paths + g * stride,
                        descent: descent)
                }
            }
            first += count
        }
        let scale = Double(trees)
        for i in 0..<d {
            result.high[i] = accumulator[i] / scale
            result.low[i] = accumulator[d + i] / scale
        }
    }

    // MARK: learning

    /// Learns the point in `scratch.point` (once the shingle is full), after computing what `scoring`
    /// asks for from the trees as they were. Every tree first draws its reservoir decision (no tree's
    /// draw depends on the point or on another tree), then scoring and updating share one walk per tree.
    private mutating func absorb(_ scratch: ForestScratch, scoring: Scoring) -> Double {
        let point = scratch.point
        shingle.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: point, count: $0.count) }
        recordsSeen += 1
        guard recordsSeen >= configuration.shingleSize else { return 0 }
        let storage = self.storage
        let slot = storage.storePoint(point)
        let trees = configuration.numberOfTrees
        let decisions = scratch.decisions
        for t in 0..<trees {
            decisions[t] = storage.sample(
                tree: t, sequence: entriesSeen, timeDecay: configuration.timeDecay,
                initialAcceptFraction: configuration.initialAcceptFraction)
            if decisions[t].evicts { storage.prefetchEviction(tree: t) }
        }
        let learning = Learning(slot: slot, decisions: UnsafePointer(decisions))
        var score = 0.0
        switch scoring {
        case .none:
            for t in 0..<trees where decisions[t].isAccepted {
                storage.accept(tree: t, slot: slot, decision: decisions[t], path: scratch.path, descent: nil)
            }
        case .score:
            score = forestScore(scratch, learning: learning)
        case .attribution(let result):
            forestAttribution(scratch, learning: learning, into: &result.pointee)
        }
        if storage.storeReferences[Int(slot)] == 0 { storage.freeSlot(slot) }
        entriesSeen += 1
        return score
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }
}
