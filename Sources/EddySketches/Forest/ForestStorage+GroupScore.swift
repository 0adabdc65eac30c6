/// Scoring a group of trees at once.
///
/// A tree descent is a chain of dependent loads, and on a forest of a few MB most of them miss the
/// cache: scoring is bound by memory latency, not arithmetic. Walking `groupSize` independent trees in
/// lockstep (descent, leaf check, then the climb back up) keeps that many misses in flight instead of one.
/// The arithmetic is exactly `score(tree:point:path:)`'s, so results are identical.
extension ForestStorage {
    static let groupSize = 8

    /// After `scoreGroup`, lane `g`'s root-to-leaf walk (its internal nodes are at
    /// `paths + g·(sampleSize + 1)`), or nil when that tree was empty.
    @inline(__always)
    static func groupDescent(lanes: UnsafeMutablePointer<Int32>, lane g: Int) -> (depth: Int, leaf: Int)? {
        let live = lanes[2 * groupSize + g]
        guard live != 0 else { return nil }
        return (Int(lanes[groupSize + g]), Int(~lanes[g]))
    }

    /// Walks trees `first ..< first + count` (`count ≤ groupSize`) from root to leaf in lockstep,
    /// one level of every tree per round. Leaves in `lanes` (4·groupSize Int32) per lane: the leaf
    /// reference (`~leaf`), the depth, and whether the tree is non-empty (1); the internal nodes of
    /// lane `g`'s walk go to `paths + g·(sampleSize + 1)`.
    @inline(__always)
    func descendGroup(
        first: Int, count: Int, point: UnsafePointer<Float>, paths: UnsafeMutablePointer<Int32>,
        lanes: UnsafeMutablePointer<Int32>
    ) {
        let d = dimensions
        let stride = sampleSize + 1
        let nodeStride = internalPerTree
        let reference = lanes
        let depth = lanes + Self.groupSize
        let live = lanes + 2 * Self.groupSize
        let level = lanes + 3 * Self.groupSize
        for g in 0..<Self.groupSize {
            reference[g] = ~0
            depth[g] = 0
            live[g] = 0
            level[g] = -1
        }
        for g in 0..<count where root[first + g] != Self.emptyRoot {
            reference[g] = root[first + g]
            live[g] = 1
        }
        // The climb re-reads the boxes of the deepest path nodes; prefetching each box while
        // descending starts those loads early, overlapped with the descent's own misses.
        let boxSpan = 2 * d - 1
        var descending = true
        while descending {
            descending = false
            for g in 0..<Self.groupSize {
                let n = reference[g]
                guard n >= 0 else { continue }
                paths[g * stride + Int(depth[g])] = n
                let nodeIndex = (first + g) * nodeStride + Int(n)
                let nodeBox = box + nodeIndex * 2 * d
                prefetch(nodeBox)
                prefetch(nodeBox + boxSpan)
                let record = nodes[nodeIndex]
                reference[g] = point[Int(record.cutDimension)] <= record.cutValue ? record.left : record.right
                depth[g] += 1
                descending = true
            }
        }
    }

    /// After `descendGroup`, starts loading each lane's leaf point (attribution reads every leaf,
    /// and the reads are two dependent misses: the leaf's slot, then the slot's values).
    @inline(__always)
    func prefetchLeaves(first: Int, count: Int, lanes: UnsafeMutablePointer<Int32>) {
        for g in 0..<count where lanes[2 * Self.groupSize + g] != 0 {
            prefetch(leafPoint + (first + g) * sampleSize + Int(~lanes[g]))
        }
        for g in 0..<count where lanes[2 * Self.groupSize + g] != 0 {
            prefetch(pointValues(leafPoint[(first + g) * sampleSize + Int(~lanes[g])]))
        }
    }

    /// The sum of the scores of trees `first ..< first + count` (`count ≤ groupSize`). `paths` holds
    /// `groupSize · (sampleSize + 1)` entries; `lanes` 4·groupSize Int32 and `scores` groupSize Doubles.
    /// `updating` has bit `g` set for each lane whose tree will learn the point right after: the
    /// slot of that lane's leaf is prefetched once the walk reaches it, because the insertion reads
    /// the leaf's point first.
    func scoreGroup(
        first: Int, count: Int, point: UnsafePointer<Float>, paths: UnsafeMutablePointer<Int32>,
        lanes: UnsafeMutablePointer<Int32>, scores score: UnsafeMutablePointer<Double>, updating: UInt32 = 0
    ) -> Double {
        let d = dimensions
        let stride = sampleSize + 1
        let nodeStride = internalPerTree
        // Per lane: current reference, depth, then the climb's level and running score.
        let reference = lanes
        let depth = lanes + Self.groupSize
        let live = lanes + 2 * Self.groupSize
        let level = lanes + 3 * Self.groupSize
        for g in 0..<Self.groupSize { score[g] = 0 }
        descendGroup(first: first, count: count, point: point, paths: paths, lanes: lanes)
        if updating != 0 {
            for g in 0..<count where updating & (1 << g) != 0 && live[g] != 0 {
                prefetch(leafPoint + (first + g) * sampleSize + Int(~reference[g]))
            }
        }
        var total = 0.0
        // Leaf check, folded into the first climb step: a point outside the leaf's parent box cannot
        // equal the leaf, so the leaf's point (another cache miss) is only read when the point lies
        // inside that box. The arithmetic is the same as checking the leaf first.
        for g in 0..<count where live[g] == 1 {
            let t = first + g
            let leafIndex = t * sampleSize + Int(~reference[g])
            let treeDepth = Int(depth[g])
            let unseen = 1 / Double(treeDepth + 1)
            if treeDepth > 0 {
                let b = box + (t * nodeStride + Int(paths[g * stride + treeDepth - 1])) * 2 * d
                let (gap, grownRange) = Self.growth(point: point, boxMin: b, boxMax: b + d, count: d)
                if gap > 0 {
                    let probability = gap / grownRange
                    score[g] = (1 - probability) * unseen + probability / Double(treeDepth)
                    level[g] = Int32(treeDepth - 2)
                    live[g] = 2
                    continue
                }
            }
            let totalMass = treeMass(t)
            if Self.pointsEqual(point, pointValues(leafPoint[leafIndex]), d) {
                let m = Int(leafMass[leafIndex])
                let damp = 1 - Double(m) / (2 * Double(totalMass))
                total += damp / (Double(treeDepth) + log2MassPlusOne[m]) * log2MassPlusOne[totalMass]
            } else {
                // Inside the parent's box (or a lone leaf): the climb stops at once.
                total += unseen * log2MassPlusOne[totalMass]
            }
        }
        var climbing = true
        while climbing {
            climbing = false
            for g in 0..<Self.groupSize where live[g] == 2 {
                let l = Int(level[g])
                if l < 0 {
                    live[g] = 3
                    continue
                }
                let t = first + g
                let b = box + (t * nodeStride + Int(paths[g * stride + l])) * 2 * d
                let (gap, grownRange) = Self.growth(point: point, boxMin: b, boxMax: b + d, count: d)
                if gap == 0 {
                    live[g] = 3
                    continue
                }
                let probability = gap / grownRange
                score[g] = (1 - probability) * score[g] + probability / Double(l + 1)
                level[g] -= 1
                climbing = true
            }
        }
        for g in 0..<count where live[g] == 3 {
            total += score[g] * log2MassPlusOne[treeMass(first + g)]
        }
        return total
    }
}
