import EddyCore

/// All of a forest's trees, reservoirs and points in flat, manually allocated buffers.
///
/// Layout (T trees, S sample size, D point dimensions, I = S − 1 internal nodes per tree):
/// - internal nodes: the fields a descent reads (`left`, `right`, `cutDimension`, `cutValue`) packed in
///   one 16-byte `TreeNode` so each level costs one cache line, and `box` (2·D Floats per node: D minima
///   then D maxima) in a separate array; tree `t` at offset `t·I`. Internal nodes keep no mass: AWS keeps
///   one for density and centre-of-mass features, but the anomaly score and attribution need only leaf
///   masses and the tree's mass, and skipping it lets updates stop climbing as soon as boxes settle;
/// - leaves: `leafPoint` (index into the point store) and `leafMass`, tree `t` at offset `t·S`;
/// - child references are Int32: `≥ 0` an internal node, `< 0` the leaf `~reference`;
/// - reservoirs: `sampleWeight`/`samplePoint` as a max-heap per tree, offset `t·S`;
/// - the point store is shared by all trees and reference counted, so a point accepted by many trees
///   is stored once; it has `T·S + 1` slots, enough for every reservoir plus the incoming point.
///
/// Parent links (`nodeParent`, `leafParent`, −1 at the root) and each reservoir entry's leaf
/// (`sampleLeaf`) let an eviction go straight to its leaf and climb only as far as boxes change,
/// instead of descending from the root. They are derived state: snapshots omit them and restore
/// rebuilds them.
/// Everything is allocated once at creation, so steady-state processing never allocates.
final class ForestStorage: @unchecked Sendable {
    // @unchecked: the buffers are only mutated through `RandomCutForest`'s mutating methods, which
    // first make this storage uniquely referenced (copy-on-write), like Array's own buffer.
    let trees: Int
    let sampleSize: Int
    let dimensions: Int
    let internalPerTree: Int
    let storeCapacity: Int

    let nodes: UnsafeMutablePointer<TreeNode>
    let box: UnsafeMutablePointer<Float>
    let leafPoint: UnsafeMutablePointer<Int32>
    let leafMass: UnsafeMutablePointer<Int32>
    let nodeParent: UnsafeMutablePointer<Int32>
    let leafParent: UnsafeMutablePointer<Int32>
    let sampleLeaf: UnsafeMutablePointer<Int32>
    let root: UnsafeMutablePointer<Int32>
    let freeNodes: UnsafeMutablePointer<Int32>
    let freeNodeCount: UnsafeMutablePointer<Int32>
    let freeLeaves: UnsafeMutablePointer<Int32>
    let freeLeafCount: UnsafeMutablePointer<Int32>
    let sampleWeight: UnsafeMutablePointer<Float>
    let samplePoint: UnsafeMutablePointer<Int32>
    let sampleCount: UnsafeMutablePointer<Int32>
    let rng: UnsafeMutablePointer<UInt64>
    /// Per tree, a cached lower bound on `u` below which a full reservoir rejects, valid up to the
    /// sequence number in `rejectionHorizon` (−1: stale). Derived state: never serialized.
    let rejectionBound: UnsafeMutablePointer<Double>
    let rejectionHorizon: UnsafeMutablePointer<Int>
    static let rejectionHorizonLength = 64
    let storeValues: UnsafeMutablePointer<Float>
    let storeReferences: UnsafeMutablePointer<Int32>
    let storeFree: UnsafeMutablePointer<Int32>
    var storeFreeCount: Int
    /// log2(m + 1) for m in 0...S: the normalizer and the "seen" score need it per tree and per point.
    let log2MassPlusOne: UnsafeMutablePointer<Double>
    /// Per-record working memory for the mutating paths (derived state: never serialized or copied).
    let scratch: ForestScratch

    static let emptyRoot = Int32.min

    init(trees: Int, sampleSize: Int, dimensions: Int) {
        self.trees = trees
        self.sampleSize = sampleSize
        self.dimensions = dimensions
        internalPerTree = sampleSize - 1
        storeCapacity = trees * sampleSize + 1
        let nodes = trees * internalPerTree
        let leaves = trees * sampleSize
        // Cache-line aligned, so a 16-byte node never straddles lines and an 8-dimensional box is one line.
        self.nodes = UnsafeMutableRawPointer.allocate(byteCount: max(1, nodes) * MemoryLayout<TreeNode>.stride, alignment: 64)
            .bindMemory(to: TreeNode.self, capacity: nodes)
        box = UnsafeMutableRawPointer.allocate(byteCount: max(1, nodes * 2 * dimensions) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: nodes * 2 * dimensions)
        leafPoint = .allocate(capacity: leaves)
        leafMass = .allocate(capacity: leaves)
        nodeParent = .allocate(capacity: max(1, nodes))
        leafParent = .allocate(capacity: leaves)
        sampleLeaf = .allocate(capacity: leaves)
        root = .allocate(capacity: trees)
        freeNodes = .allocate(capacity: nodes)
        freeNodeCount = .allocate(capacity: trees)
        freeLeaves = .allocate(capacity: leaves)
        freeLeafCount = .allocate(capacity: trees)
        sampleWeight = .allocate(capacity: leaves)
        samplePoint = .allocate(capacity: leaves)
        sampleCount = .allocate(capacity: trees)
        rng = .allocate(capacity: trees)
        rejectionBound = .allocate(capacity: trees)
        rejectionBound.initialize(repeating: 0, count: trees)
        rejectionHorizon = .allocate(capacity: trees)
        rejectionHorizon.initialize(repeating: -1, count: trees)
        storeValues = .allocate(capacity: storeCapacity * dimensions)
        storeReferences = .allocate(capacity: storeCapacity)
        storeFree = .allocate(capacity: storeCapacity)
        storeFreeCount = 0
        scratch = ForestScratch.allocate(trees: trees, sampleSize: sampleSize, dimensions: dimensions)
        log2MassPlusOne = .allocate(capacity: sampleSize + 2)
        for m in 0...(sampleSize + 1) { log2MassPlusOne[m] = Double.naturalLog(Double(m + 1)) / Double.naturalLog(2) }
    }

    /// Puts every structure in its empty state and seeds one generator per tree from `seed`.
    func reset(seed: UInt64) {
        let nodeCount = trees * internalPerTree
        let leaves = trees * sampleSize
        nodes.initialize(repeating: TreeNode(left: 0, right: 0, cutDimension: 0, cutValue: 0), count: nodeCount)
        box.initialize(repeating: 0, count: nodeCount * 2 * dimensions)
        leafPoint.initialize(repeating: -1, count: leaves)
        leafMass.initialize(repeating: 0, count: leaves)
        nodeParent.initialize(repeating: -1, count: max(1, nodeCount))
        leafParent.initialize(repeating: -1, count: leaves)
        sampleLeaf.initialize(repeating: -1, count: leaves)
        sampleWeight.initialize(repeating: 0, count: leaves)
        samplePoint.initialize(repeating: -1, count: leaves)
        var seeder = SplitMix64(state: seed)
        for t in 0..<trees {
            root[t] = Self.emptyRoot
            // Free lists pop from the end, so index 0 is handed out first.
            for i in 0..<internalPerTree { freeNodes[t * internalPerTree + i] = Int32(internalPerTree - 1 - i) }
            freeNodeCount[t] = Int32(internalPerTree)
            for i in 0..<sampleSize { freeLeaves[t * sampleSize + i] = Int32(sampleSize - 1 - i) }
            freeLeafCount[t] = Int32(sampleSize)
            sampleCount[t] = 0
            rng[t] = seeder.next()
        }
        storeValues.initialize(repeating: 0, count: storeCapacity * dimensions)
        storeReferences.initialize(repeating: 0, count: storeCapacity)
        for i in 0..<storeCapacity { storeFree[i] = Int32(storeCapacity - 1 - i) }
        storeFreeCount = storeCapacity
    }

    /// A deep copy, for copy-on-write.
    func copy() -> ForestStorage {
        let other = ForestStorage(trees: trees, sampleSize: sampleSize, dimensions: dimensions)
        let nodeCount = trees * internalPerTree
        let leaves = trees * sampleSize
        other.nodes.initialize(from: nodes, count: nodeCount)
        other.box.initialize(from: box, count: nodeCount * 2 * dimensions)
        other.leafPoint.initialize(from: leafPoint, count: leaves)
        other.leafMass.initialize(from: leafMass, count: leaves)
        other.nodeParent.initialize(from: nodeParent, count: max(1, nodeCount))
        other.leafParent.initialize(from: leafParent, count: leaves)
        other.sampleLeaf.initialize(from: sampleLeaf, count: leaves)
        other.root.initialize(from: root, count: trees)
        other.freeNodes.initialize(from: freeNodes, count: nodeCount)
        other.freeNodeCount.initialize(from: freeNodeCount, count: trees)
        other.freeLeaves.initialize(from: freeLeaves, count: leaves)
        other.freeLeafCount.initialize(from: freeLeafCount, count: trees)
        other.sampleWeight.initialize(from: sampleWeight, count: leaves)
        other.samplePoint.initialize(from: samplePoint, count: leaves)
        other.sampleCount.initialize(from: sampleCount, count: trees)
        other.rng.initialize(from: rng, count: trees)
        other.storeValues.initialize(from: storeValues, count: storeCapacity * dimensions)
        other.storeReferences.initialize(from: storeReferences, count: storeCapacity)
        other.storeFree.initialize(from: storeFree, count: storeCapacity)
        other.storeFreeCount = storeFreeCount
        return other
    }

    deinit {
        UnsafeMutableRawPointer(nodes).deallocate()
        UnsafeMutableRawPointer(box).deallocate()
        for pointer in [nodeParent, leafParent, sampleLeaf, leafPoint, leafMass, root, freeNodes, freeNodeCount,
                        freeLeaves, freeLeafCount, samplePoint, sampleCount, storeReferences, storeFree] {
            pointer.deallocate()
        }
        sampleWeight.deallocate()
        rng.deallocate()
        rejectionBound.deallocate()
        rejectionHorizon.deallocate()
        storeValues.deallocate()
        log2MassPlusOne.deallocate()
        scratch.deallocate()
    }

    /// Bytes held by the buffers.
    var allocatedBytes: Int {
        let nodes = trees * internalPerTree
        let leaves = trees * sampleSize
        return nodes * (16 + 4 + 4 + 2 * dimensions * 4) + leaves * (7 * 4 + 4 + 4) + trees * (4 * 4 + 8)
            + storeCapacity * (dimensions * 4 + 8) + (sampleSize + 2) * 8
    }

    // MARK: point store

    /// Copies a point into a free slot with reference count 0.
    @inline(__always)
    func storePoint(_ point: UnsafePointer<Float>) -> Int32 {
        storeFreeCount -= 1
        let slot = storeFree[storeFreeCount]
        (storeValues + Int(slot) * dimensions).update(from: point, count: dimensions)
        storeReferences[Int(slot)] = 0
        return slot
    }

    @inline(__always)
    func retain(_ slot: Int32) {
        storeReferences[Int(slot)] += 1
    }

    @inline(__always)
    func release(_ slot: Int32) {
        storeReferences[Int(slot)] -= 1
        if storeReferences[Int(slot)] == 0 { freeSlot(slot) }
    }

    @inline(__always)
    func freeSlot(_ slot: Int32) {
        storeFree[storeFreeCount] = slot
        storeFreeCount += 1
    }

    @inline(__always)
    func pointValues(_ slot: Int32) -> UnsafeMutablePointer<Float> {
        storeValues + Int(slot) * dimensions
    }
}

/// The part of an internal node that a descent reads, packed so one level is one memory access.
/// Children: `≥ 0` an internal node of the same tree, `< 0` the leaf `~child`. A point goes left
/// when `point[cutDimension] <= cutValue`.
struct TreeNode {
    var left: Int32
    var right: Int32
    var cutDimension: Int32
    var cutValue: Float
}
