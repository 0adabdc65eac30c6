import EddyCore

/// The time-decayed weighted reservoir per tree (AWS CompactSampler / rcflib Sampler): a point arriving
/// as the forest's `n`-th update gets the key `ln(−ln u) − n·λ` and each reservoir keeps the `S` smallest
/// keys in a max-heap, so recent points are favoured at rate λ. While a reservoir is filling, points
/// are accepted outright with a probability that falls from 1 (below `initialAcceptFraction` full) to 0.
extension ForestStorage {
    /// Offers stored point `slot` to tree `t`; on acceptance evicts the heaviest key if needed and
    /// updates the tree (the point store's reference counts follow the reservoir).
    func offer(
        tree t: Int, slot: Int32, sequence: Int, timeDecay: Double, initialAcceptFraction: Double,
        path: UnsafeMutablePointer<Int32>
    ) {
        let decision = sample(tree: t, sequence: sequence, timeDecay: timeDecay, initialAcceptFraction: initialAcceptFraction)
        if decision.isAccepted { accept(tree: t, slot: slot, decision: decision, path: path, descent: nil) }
    }

    /// Decides whether tree `t`'s reservoir takes the forest's `sequence`-th point, drawing the key
    /// from the tree's generator and touching nothing else. The decision does not depend on the point
    /// and the tree's own later draws (the insertion's cuts) come after it, so a forest can decide for
    /// every tree first, score, and then apply the decisions with the paths its scoring walked
    /// (`accept(tree:slot:decision:path:descent:)`): the random stream and results are the same as
    /// offering tree by tree.
    @inline(__always)
    func sample(tree t: Int, sequence: Int, timeDecay: Double, initialAcceptFraction: Double) -> SampleDecision {
        var generator = SplitMix64(state: rng[t])
        let u = generator.nextOpenUnit()
        let count = Int(sampleCount[t])
        if count == sampleSize {
            // Most offers to a full reservoir are rejected. Rejection means ln(−ln u) − n·λ ≥ w_max,
            // i.e. u ≤ exp(−exp(w_max + n·λ)); that threshold only falls as n grows, so its value at
            // n + horizon is a valid bound for the next `horizon` offers, and one comparison settles
            // most offers without the two logarithms. A small safety factor keeps every decision the
            // bound makes identical to the exact test below.
            if sequence > rejectionHorizon[t] {
                let horizon = sequence + Self.rejectionHorizonLength
                let y = Double(sampleWeight[t * sampleSize]) + Double(horizon) * timeDecay
                rejectionBound[t] = exponential(-exponential(y)) * (1 - 1e-9)
                rejectionHorizon[t] = horizon
            }
            if u < rejectionBound[t] {
                rng[t] = generator.state
                return .rejected
            }
        }
        let weight = Float(log(-log(u)) - Double(sequence) * timeDecay)
        var initial = false
        if count < sampleSize {
            let fill = Double(count) / Double(sampleSize)
            let acceptProbability: Double
            if fill < initialAcceptFraction {
                acceptProbability = 1
            } else if initialAcceptFraction >= 1 {
                acceptProbability = 0
            } else {
                acceptProbability = 1 - (fill - initialAcceptFraction) / (1 - initialAcceptFraction)
            }
            initial = generator.nextUnit() < acceptProbability
        }
        rng[t] = generator.state
        if initial { return SampleDecision(weight: weight, evicts: false) }
        guard count > 0, weight < sampleWeight[t * sampleSize] else { return .rejected }
        return SampleDecision(weight: weight, evicts: true)
    }

    /// An eviction is a chain of dependent cache misses (the reservoir's top leaf, its parent link,
    /// the parent and grandparent nodes, their boxes) in a tree that scoring may not have touched
    /// there. The forest starts these loads in two stages ahead of the update: the leaf's records
    /// as soon as the tree decides, and the parent node just before the tree's group is scored.
    @inline(__always)
    func prefetchEviction(tree t: Int) {
        let leaf = t * sampleSize + Int(sampleLeaf[t * sampleSize])
        prefetch(leafParent + leaf)
        prefetch(leafMass + leaf)
        prefetch(leafPoint + leaf)
    }

    /// The second stage of `prefetchEviction`: the parent node of the leaf to evict, and its parent link.
    @inline(__always)
    func prefetchEvictionParent(tree t: Int) {
        let parent = leafParent[t * sampleSize + Int(sampleLeaf[t * sampleSize])]
        guard parent >= 0 else { return }
        let node = t * internalPerTree + Int(parent)
        prefetch(nodes + node)
        prefetch(nodeParent + node)
    }

    /// The third stage of `prefetchEviction`, once the parent node has arrived: the boxes that the
    /// deletion reads first (the grandparent's, which it may shrink, and the sibling's, which
    /// takes the parent's place), and the grandparent node.
    @inline(__always)
    func prefetchEvictionNeighbourhood(tree t: Int) {
        let leaf = sampleLeaf[t * sampleSize]
        let l = t * sampleSize + Int(leaf)
        let parent = leafParent[l]
        guard parent >= 0, leafMass[l] == 1 else { return }
        let nodeBase = t * internalPerTree
        let record = nodes[nodeBase + Int(parent)]
        let sibling = record.left == ~leaf ? record.right : record.left
        let span = 2 * dimensions - 1
        if sibling >= 0 {
            let siblingBox = box + (nodeBase + Int(sibling)) * 2 * dimensions
            prefetch(siblingBox)
            prefetch(siblingBox + span)
        } else {
            prefetch(leafPoint + t * sampleSize + Int(~sibling))
        }
        let grandparent = nodeParent[nodeBase + Int(parent)]
        guard grandparent >= 0 else { return }
        let grandparentBox = box + (nodeBase + Int(grandparent)) * 2 * dimensions
        prefetch(grandparentBox)
        prefetch(grandparentBox + span)
        prefetch(nodes + nodeBase + Int(grandparent))
    }

    /// Applies an accepting decision of `sample`: evicts the heaviest key when the decision says so,
    /// then inserts stored point `slot` into the tree. `descent` is the point's root-to-leaf walk in
    /// the tree as it was before this update (its internal nodes in `path`), when the caller has one:
    /// the insertion then skips its own descent unless the eviction removed a node on that walk.
    @inline(__always)
    func accept(
        tree t: Int, slot: Int32, decision: SampleDecision, path: UnsafeMutablePointer<Int32>,
        descent: (depth: Int, leaf: Int)?
    ) {
        let base = t * sampleSize
        let weights = sampleWeight + base
        let points = samplePoint + base
        let leaves = sampleLeaf + base
        var descent = descent
        if decision.evicts {
            let evicted = points[0]
            let evictedLeaf = leaves[0]
            heapRemoveMax(weights: weights, points: points, leaves: leaves, tree: t)
            if let freedNode = delete(tree: t, leaf: evictedLeaf), let walk = descent {
                // The walk survives unless it ended at the removed leaf or passed through the
                // removed parent (whose place its other child took).
                if walk.leaf == Int(evictedLeaf) { descent = nil }
                for level in 0..<walk.depth where path[level] == freedNode { descent = nil }
            }
            release(evicted)
        }
        let (stored, leaf) = insert(tree: t, slot: slot, path: path, descent: descent)
        retain(stored)
        heapAdd(weights: weights, points: points, leaves: leaves, tree: t, weight: decision.weight, point: stored, leaf: leaf)
    }

    @inline(__always)
    private func heapAdd(
        weights: UnsafeMutablePointer<Float>, points: UnsafeMutablePointer<Int32>, leaves: UnsafeMutablePointer<Int32>,
        tree t: Int, weight: Float, point: Int32, leaf: Int32
    ) {
        rejectionHorizon[t] = -1
        var current = Int(sampleCount[t])
        sampleCount[t] += 1
        weights[current] = weight
        points[current] = point
        leaves[current] = leaf
        while current > 0 {
            let parent = (current - 1) / 2
            guard weights[parent] < weights[current] else { break }
            weights.swapAt(parent, current)
            points.swapAt(parent, current)
            leaves.swapAt(parent, current)
            current = parent
        }
    }

    @inline(__always)
    private func heapRemoveMax(
        weights: UnsafeMutablePointer<Float>, points: UnsafeMutablePointer<Int32>, leaves: UnsafeMutablePointer<Int32>, tree t: Int
    ) {
        rejectionHorizon[t] = -1
        sampleCount[t] -= 1
        let size = Int(sampleCount[t])
        weights[0] = weights[size]
        points[0] = points[size]
        leaves[0] = leaves[size]
        var current = 0
        while 2 * current + 1 < size {
            var largest = 2 * current + 1
            if largest + 1 < size, weights[largest + 1] > weights[largest] { largest += 1 }
            guard weights[largest] > weights[current] else { break }
            weights.swapAt(largest, current)
            points.swapAt(largest, current)
            leaves.swapAt(largest, current)
            current = largest
        }
    }
}

extension UnsafeMutablePointer {
    @inline(__always)
    fileprivate func swapAt(_ a: Int, _ b: Int) {
        let tmp = self[a]
        self[a] = self[b]
        self[b] = tmp
    }
}

/// A reservoir's verdict on one point: rejected, or accepted with its key, evicting the heaviest
/// key first when the reservoir is full.
struct SampleDecision {
    var weight: Float
    var evicts: Bool

    static let rejected = SampleDecision(weight: .nan, evicts: false)

    @inline(__always)
    var isAccepted: Bool { !weight.isNaN }
}
