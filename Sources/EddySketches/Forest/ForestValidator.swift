/// Checks every structural invariant of restored forest storage, and rebuilds the derived indexes
/// (parent links, each reservoir entry's leaf) that snapshots omit: each tree is a proper tree over its
/// live nodes and leaves, cuts separate the children's boxes, boxes are the union of their children,
/// leaf masses add up to the reservoir size, reservoirs match the leaves, free lists are exactly the unused entries, and the
/// point store's reference counts equal the reservoir references.
struct ForestValidator {
    let storage: ForestStorage

    func validate() throws(SketchDecodingError) {
        let s = storage
        let d = s.dimensions
        guard s.storeFreeCount >= 0, s.storeFreeCount <= s.storeCapacity else {
            throw SketchDecodingError("free slot count \(s.storeFreeCount) is out of range")
        }
        var expectedReferences = [Int32](repeating: 0, count: s.storeCapacity)
        for t in 0..<s.trees {
            try validateTree(t, references: &expectedReferences)
        }
        for i in 0..<(s.storeCapacity * d) where !s.storeValues[i].isFinite {
            throw SketchDecodingError("point store holds a non-finite value")
        }
        var isFree = [Bool](repeating: false, count: s.storeCapacity)
        for i in 0..<s.storeFreeCount {
            let slot = Int(s.storeFree[i])
            guard slot >= 0, slot < s.storeCapacity, !isFree[slot], expectedReferences[slot] == 0 else {
                throw SketchDecodingError("point store free list is corrupt at \(i)")
            }
            isFree[slot] = true
        }
        for slot in 0..<s.storeCapacity {
            guard s.storeReferences[slot] == expectedReferences[slot] else {
                throw SketchDecodingError("point \(slot) has \(s.storeReferences[slot]) references, reservoirs hold \(expectedReferences[slot])")
            }
            guard isFree[slot] || expectedReferences[slot] > 0 else {
                throw SketchDecodingError("point \(slot) is neither used nor free")
            }
        }
        guard s.storeFreeCount >= 1 else { throw SketchDecodingError("point store has no free slot") }
    }

    private func validateTree(_ t: Int, references: inout [Int32]) throws(SketchDecodingError) {
        let s = storage
        let d = s.dimensions
        let nodeBase = t * s.internalPerTree
        let leafBase = t * s.sampleSize
        let count = Int(s.sampleCount[t])
        guard count >= 0, count <= s.sampleSize else { throw SketchDecodingError("tree \(t) sample count \(count)") }
        // Reservoir references per slot, for this tree.
        var treeReferences: [Int32: Int32] = [:]
        for i in 0..<count {
            let slot = s.samplePoint[leafBase + i]
            guard slot >= 0, Int(slot) < s.storeCapacity, s.sampleWeight[leafBase + i].isFinite else {
                throw SketchDecodingError("tree \(t) reservoir entry \(i) is invalid")
            }
            if i > 0, s.sampleWeight[leafBase + (i - 1) / 2] < s.sampleWeight[leafBase + i] {
                throw SketchDecodingError("tree \(t) reservoir is not a max-heap")
            }
            treeReferences[slot, default: 0] += 1
            references[Int(slot)] += 1
        }
        var nodeSeen = [Bool](repeating: false, count: s.internalPerTree)
        var leafSeen = [Bool](repeating: false, count: s.sampleSize)
        var liveNodes = 0
        var liveLeaves = 0
        var totalLeafMass: Int32 = 0
        var leafOfSlot: [Int32: Int32] = [:]
        let root = s.root[t]
        if root != ForestStorage.emptyRoot {
            // Post-order walk with an explicit stack: (reference, childrenDone, parent). The walk also
            // rebuilds the derived parent links, which snapshots do not carry.
            var stack: [(Int32, Bool, Int32)] = [(root, false, -1)]
            while let (reference, done, parent) = stack.popLast() {
                if reference < 0 {
                    let leaf = Int(~reference)
                    guard leaf < s.sampleSize, !leafSeen[leaf] else { throw SketchDecodingError("tree \(t) leaf \(leaf) is invalid or shared") }
                    leafSeen[leaf] = true
                    s.leafParent[leafBase + leaf] = parent
                    liveLeaves += 1
                    let slot = s.leafPoint[leafBase + leaf]
                    let mass = s.leafMass[leafBase + leaf]
                    guard slot >= 0, Int(slot) < s.storeCapacity, mass >= 1, treeReferences[slot] == mass else {
                        throw SketchDecodingError("tree \(t) leaf \(leaf) does not match its reservoir")
                    }
                    treeReferences[slot] = 0 // each point appears in one leaf only
                    leafOfSlot[slot] = Int32(leaf)
                    totalLeafMass += mass
                    continue
                }
                let n = Int(reference)
                guard n < s.internalPerTree else { throw SketchDecodingError("tree \(t) node \(n) out of range") }
                let node = s.nodes[nodeBase + n]
                if !done {
                    guard !nodeSeen[n] else { throw SketchDecodingError("tree \(t) node \(n) is reached twice") }
                    nodeSeen[n] = true
                    liveNodes += 1
                    s.nodeParent[nodeBase + n] = parent
                    guard node.cutDimension >= 0, Int(node.cutDimension) < d, node.cutValue.isFinite else {
                        throw SketchDecodingError("tree \(t) node \(n) has an invalid cut")
                    }
                    stack.append((reference, true, parent))
                    stack.append((node.left, false, reference))
                    stack.append((node.right, false, reference))
                    continue
                }
                try checkNode(t, n, node)
            }
        }
        guard totalLeafMass == Int32(count) else { throw SketchDecodingError("tree \(t) leaf masses do not sum to its sample") }
        // Every reservoir entry's leaf (derived state, rebuilt here).
        for i in 0..<count {
            guard let leaf = leafOfSlot[s.samplePoint[leafBase + i]] else {
                throw SketchDecodingError("tree \(t) reservoir entry \(i) has no leaf")
            }
            s.sampleLeaf[leafBase + i] = leaf
        }
        try checkFreeList(s.freeNodes + nodeBase, count: Int(s.freeNodeCount[t]), limit: s.internalPerTree, used: nodeSeen, live: liveNodes, what: "node", tree: t)
        try checkFreeList(s.freeLeaves + leafBase, count: Int(s.freeLeafCount[t]), limit: s.sampleSize, used: leafSeen, live: liveLeaves, what: "leaf", tree: t)
    }

    /// Box = union of children, and the cut separates them.
    private func checkNode(_ t: Int, _ n: Int, _ node: TreeNode) throws(SketchDecodingError) {
        let s = storage
        let d = s.dimensions
        let nodeBase = t * s.internalPerTree
        let box = s.box + nodeBase * 2 * d
        let (leftMin, leftMax) = s.childBox(tree: t, reference: node.left, box: box)
        let (rightMin, rightMax) = s.childBox(tree: t, reference: node.right, box: box)
        let target = box + n * 2 * d
        for i in 0..<d where target[i] != min(leftMin[i], rightMin[i]) || target[d + i] != max(leftMax[i], rightMax[i]) {
            throw SketchDecodingError("tree \(t) node \(n) box is not the union of its children")
        }
        let dim = Int(node.cutDimension)
        guard leftMax[dim] <= node.cutValue, rightMin[dim] > node.cutValue else {
            throw SketchDecodingError("tree \(t) node \(n) cut does not separate its children")
        }
    }

    private func checkFreeList(
        _ list: UnsafeMutablePointer<Int32>, count: Int, limit: Int, used: [Bool], live: Int, what: String, tree t: Int
    ) throws(SketchDecodingError) {
        guard count >= 0, count + live == limit else { throw SketchDecodingError("tree \(t) \(what) free count \(count) is wrong") }
        var seen = used
        for i in 0..<count {
            let entry = Int(list[i])
            guard entry >= 0, entry < limit, !seen[entry] else { throw SketchDecodingError("tree \(t) \(what) free list is corrupt") }
            seen[entry] = true
        }
    }
}
