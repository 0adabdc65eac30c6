/// Per-tree anomaly score and attribution, as AWS's AnomalyScoreVisitor / AnomalyAttributionVisitor:
/// at the leaf, a duplicate scores `damp(m) / (depth + log2(m + 1))` and anything else `1 / (depth + 1)`;
/// walking back up, each ancestor mixes in `1 / (level + 1)` with the probability that a random cut of
/// the ancestor's box grown by the point would have separated the point, stopping when that probability
/// is 0 (the point lies inside the box). The result is normalized by `log2(treeMass + 1)`.
extension ForestStorage {
    @inline(__always)
    func treeMass(_ t: Int) -> Int { Int(sampleCount[t]) }

    /// One tree's score, written plainly: the reference that `scoreGroup` (the lockstep version the
    /// forest uses) is tested against.
    func score(tree t: Int, point: UnsafePointer<Float>, path: UnsafeMutablePointer<Int32>) -> Double {
        if root[t] == Self.emptyRoot { return 0 }
        let d = dimensions
        let (depth, leaf) = descend(tree: t, point: point, path: path)
        let leafIndex = t * sampleSize + leaf
        let totalMass = treeMass(t)
        let normalizer = log2MassPlusOne[totalMass]
        if Self.pointsEqual(point, pointValues(leafPoint[leafIndex]), d) {
            let m = Int(leafMass[leafIndex])
            let damp = 1 - Double(m) / (2 * Double(totalMass))
            return damp / (Double(depth) + log2MassPlusOne[m]) * normalizer
        }
        var score = 1 / Double(depth + 1)
        let box = self.box + t * internalPerTree * 2 * d
        var level = depth - 1
        while level >= 0 {
            let b = box + Int(path[level]) * 2 * d
            let (gap, grownRange) = Self.growth(point: point, boxMin: b, boxMax: b + d, count: d)
            if gap == 0 { break }
            let probability = gap / grownRange
            score = (1 - probability) * score + probability / Double(level + 1)
            level -= 1
        }
        return score * normalizer
    }

    /// How much the box [boxMin, boxMax] grows, summed over dimensions, when it takes in `point`, and
    /// the grown box's summed side lengths. Branch-free and four lanes at a time: this is the inner
    /// loop of scoring.
    @inline(__always)
    static func growth(
        point: UnsafePointer<Float>, boxMin: UnsafePointer<Float>, boxMax: UnsafePointer<Float>, count d: Int
    ) -> (gap: Double, grownRange: Double) {
        var i = 0
        var gapLanes = SIMD4<Float>()
        var rangeLanes = SIMD4<Float>()
        let rawPoint = UnsafeRawPointer(point)
        let rawMin = UnsafeRawPointer(boxMin)
        let rawMax = UnsafeRawPointer(boxMax)
        while i + 4 <= d {
            let v = rawPoint.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
            let lo = rawMin.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
            let hi = rawMax.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
            // gap = max(lo − v, 0) + max(v − hi, 0); masked selects compile to blends, whereas
            // pointwiseMin/Max keep NaN-ordering branches per lane.
            let below = lo - v
            let above = v - hi
            let zero = SIMD4<Float>()
            let gap = below.replacing(with: zero, where: below .< zero) + above.replacing(with: zero, where: above .< zero)
            rangeLanes += (hi - lo) + gap
            gapLanes += gap
            i += 4
        }
        var gap = Double(gapLanes.sum())
        var grownRange = Double(rangeLanes.sum())
        while i < d {
            let lo = Double(boxMin[i])
            let hi = Double(boxMax[i])
            let v = Double(point[i])
            let grownLo = min(lo, v)
            let grownHi = max(hi, v)
            grownRange += grownHi - grownLo
            gap += (lo - grownLo) + (grownHi - hi)
            i += 1
        }
        return (gap, grownRange)
    }

    /// Writes into `probability` (high[0..<d], low[d..<2d]) the chance that a random cut of `box`
    /// grown by `point` separates the point along each dimension and direction; returns their sum.
    @inline(__always)
    private func separationProbabilities(
        point: UnsafePointer<Float>, boxMin: UnsafePointer<Float>, boxMax: UnsafePointer<Float>,
        probability: UnsafeMutablePointer<Double>
    ) -> Double {
        let d = dimensions
        var grownRange = 0.0
        for i in 0..<d {
            grownRange += Double(max(boxMax[i], point[i])) - Double(min(boxMin[i], point[i]))
        }
        var total = 0.0
        for i in 0..<d {
            let above = point[i] > boxMax[i] ? (Double(point[i]) - Double(boxMax[i])) / grownRange : 0
            let below = point[i] < boxMin[i] ? (Double(boxMin[i]) - Double(point[i])) / grownRange : 0
            probability[i] = above
            probability[d + i] = below
            total += above + below
        }
        return total
    }

    /// Adds tree `t`'s attribution of `point`'s score into `accumulator` (high[0..<d], low[d..<2d]).
    /// Scratch: `work` holds 4·d Doubles, `shadow` 2·d Floats. `descent` is the point's walk when the
    /// caller already made it (internal nodes in `path`, as `descendGroup` leaves them); otherwise
    /// this descends. Returns the walk so an update can reuse it, or nil when the tree is empty.
    @discardableResult
    func addAttribution(
        tree t: Int, point: UnsafePointer<Float>, path: UnsafeMutablePointer<Int32>, descent: (depth: Int, leaf: Int)? = nil,
        accumulator: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>, shadow: UnsafeMutablePointer<Float>
    ) -> (depth: Int, leaf: Int)? {
        if root[t] == Self.emptyRoot { return nil }
        let d = dimensions
        let attribution = work
        let probability = work + 2 * d
        attribution.update(repeating: 0, count: 2 * d)
        let (depth, leaf) = descent ?? descend(tree: t, point: point, path: path)
        let leafIndex = t * sampleSize + leaf
        let totalMass = treeMass(t)
        let leafValues = UnsafePointer(pointValues(leafPoint[leafIndex]))
        var score: Double
        let duplicate = Self.pointsEqual(point, leafValues, d)
        if duplicate {
            let m = Int(leafMass[leafIndex])
            score = (1 - Double(m) / (2 * Double(totalMass))) / (Double(depth) + log2MassPlusOne[m])
        } else {
            score = 1 / Double(depth + 1)
            let total = separationProbabilities(point: point, boxMin: leafValues, boxMax: leafValues, probability: probability)
            for i in 0..<(2 * d) { attribution[i] += probability[i] / total * score }
        }
        // For a duplicate, ancestors are judged by their "shadow box": the box without the leaf itself.
        let shadowMin = shadow
        let shadowMax = shadow + d
        var shadowEmpty = true
        let nodeBase = t * internalPerTree
        let box = self.box + nodeBase * 2 * d
        var child: Int32 = ~Int32(leaf)
        var level = depth - 1
        while level >= 0 {
            let n = Int(path[level])
            let total: Double
            if duplicate {
                let sibling = nodes[nodeBase + n].left == child ? nodes[nodeBase + n].right : nodes[nodeBase + n].left
                let (siblingMin, siblingMax) = childBox(tree: t, reference: sibling, box: box)
                for i in 0..<d {
                    shadowMin[i] = shadowEmpty ? siblingMin[i] : min(shadowMin[i], siblingMin[i])
                    shadowMax[i] = shadowEmpty ? siblingMax[i] : max(shadowMax[i], siblingMax[i])
                }
                shadowEmpty = false
                total = separationProbabilities(point: point, boxMin: shadowMin, boxMax: shadowMax, probability: probability)
            } else {
                let b = box + n * 2 * d
                total = separationProbabilities(point: point, boxMin: b, boxMax: b + d, probability: probability)
            }
            if total == 0 { break }
            let newValue = 1 / Double(level + 1)
            if !duplicate { score = (1 - total) * score + total * newValue }
            for i in 0..<(2 * d) { attribution[i] = attribution[i] * (1 - total) + probability[i] * newValue }
            child = Int32(n)
            level -= 1
        }
        let normalized = score * log2MassPlusOne[totalMass]
        var sum = 0.0
        for i in 0..<(2 * d) { sum += attribution[i] }
        if sum > 0 {
            let scale = normalized / sum
            for i in 0..<(2 * d) { accumulator[i] += attribution[i] * scale }
        } else {
            // No direction to blame (every sampled point equals this one): split evenly so the
            // attribution still sums to the score.
            let share = normalized / Double(2 * d)
            for i in 0..<(2 * d) { accumulator[i] += share }
        }
        return (depth, leaf)
    }
}
