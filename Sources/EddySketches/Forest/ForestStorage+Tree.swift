import EddyCore

/// Random cut tree maintenance (Guha et al. 2016, as random-cut-forest-by-aws implements it):
/// insertion picks, bottom-up along the point's path, a fresh random cut per level, chosen in proportion
/// to each side of the box grown by the point, and keeps the highest cut that separates the point
/// (equivalently, the top-down "cut the grown box; split here if the cut separates" of the paper).
extension ForestStorage {
    @inline(__always)
    static func pointsEqual(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Bool {
        for i in 0..<count where a[i] != b[i] { return false }
        return true
    }

    /// Descends from the root following `point`, writing internal nodes into `path`.
    /// Returns the path length (the leaf's depth) and the leaf index.
    @inline(__always)
    func descend(tree t: Int, point: UnsafePointer<Float>, path: UnsafeMutablePointer<Int32>) -> (depth: Int, leaf: Int) {
        let base = t * internalPerTree
        let nodes = self.nodes + base
        let boxes = box + base * 2 * dimensions
        let boxSpan = 2 * dimensions - 1
        var node = root[t]
        var depth = 0
        while node >= 0 {
            path[depth] = node
            let n = Int(node)
            // Insertion and deletion then read these boxes bottom-up: start the loads now.
            prefetch(boxes + n * 2 * dimensions)
            prefetch(boxes + n * 2 * dimensions + boxSpan)
            let record = nodes[n]
            node = point[Int(record.cutDimension)] <= record.cutValue ? record.left : record.right
            depth += 1
        }
        return (depth, Int(~node))
    }

    @inline(__always)
    func popFreeNode(tree t: Int) -> Int32 {
        freeNodeCount[t] -= 1
        return freeNodes[t * internalPerTree + Int(freeNodeCount[t])]
    }

    @inline(__always)
    func popFreeLeaf(tree t: Int) -> Int32 {
        freeLeafCount[t] -= 1
        return freeLeaves[t * sampleSize + Int(freeLeafCount[t])]
    }

    /// Inserts the stored point `slot` into tree `t`. Returns the slot the tree now references for it,
    /// which is an existing equal point's slot when the point is a duplicate (its leaf's mass grows),
    /// and the leaf holding it. `descent`, when given, is the point's current root-to-leaf walk with
    /// its internal nodes already in `path` (scoring walked it), so the insertion need not descend.
    func insert(
        tree t: Int, slot: Int32, path: UnsafeMutablePointer<Int32>, descent: (depth: Int, leaf: Int)? = nil
    ) -> (slot: Int32, leaf: Int32) {
        let d = dimensions
        let point = UnsafePointer(pointValues(slot))
        let leafBase = t * sampleSize
        if root[t] == Self.emptyRoot {
            let leaf = popFreeLeaf(tree: t)
            leafPoint[leafBase + Int(leaf)] = slot
            leafMass[leafBase + Int(leaf)] = 1
            leafParent[leafBase + Int(leaf)] = -1
            root[t] = ~leaf
            return (slot, leaf)
        }
        let (depth, leaf) = descent ?? descend(tree: t, point: point, path: path)
        let nodeBase = t * internalPerTree
        let box = self.box + nodeBase * 2 * d
        let existing = leafPoint[leafBase + leaf]
        let leafValues = pointValues(existing)
        if Self.pointsEqual(point, leafValues, d) {
            leafMass[leafBase + leaf] += 1
            return (existing, Int32(leaf))
        }
        // The box at the current level is read in place (the leaf's point, then each ancestor's box):
        // nothing is copied while climbing.
        var currentMin = UnsafePointer(leafValues)
        var currentMax = UnsafePointer(leafValues)
        var savedMin = currentMin
        var savedMax = currentMax
        var savedLevel = -1
        var savedDimension = 0
        var savedValue: Float = 0
        var level = depth
        var generator = SplitMix64(state: rng[t])
        while true {
            // Once the point lies inside a box, no cut of it or of any ancestor's (larger) box can
            // separate the point: the climb stops there. AWS draws a cut at every level up to the
            // root; skipping levels that cannot win changes which random numbers are used, not the
            // distribution of the chosen cut.
            let (gap, total) = Self.growth(point: point, boxMin: currentMin, boxMax: currentMax, count: d)
            if gap == 0 { break }
            let factor = generator.nextUnit()
            var position = factor * total
            var dimension = -1
            for i in 0..<d {
                // Plain comparisons: Swift's min/max on floats carry NaN-ordering branches, and
                // points are finite by construction.
                let v = point[i]
                let hi = currentMax[i] > v ? currentMax[i] : v
                let lo = currentMin[i] < v ? currentMin[i] : v
                let range = Double(hi) - Double(lo)
                if range > 0 {
                    dimension = i
                    if position < range { break }
                    position -= range
                }
            }
            let low = currentMin[dimension] < point[dimension] ? currentMin[dimension] : point[dimension]
            let high = currentMax[dimension] > point[dimension] ? currentMax[dimension] : point[dimension]
            var value = Float(Double(low) + position)
            if value >= high { value = high.nextDown }
            if value < low { value = low }
            let separates = (point[dimension] <= value && value < currentMin[dimension])
                || (point[dimension] > value && value >= currentMax[dimension])
            if separates {
                savedLevel = level
                savedDimension = dimension
                savedValue = value
                savedMin = currentMin
                savedMax = currentMax
            }
            if level == 0 { break }
            level -= 1
            let nodeBox = box + Int(path[level]) * 2 * d
            currentMin = UnsafePointer(nodeBox)
            currentMax = UnsafePointer(nodeBox + d)
        }
        rng[t] = generator.state

        // Splice a new internal node above the node at `savedLevel` (the leaf when savedLevel == depth).
        let newNode = Int(popFreeNode(tree: t))
        let newLeaf = popFreeLeaf(tree: t)
        leafPoint[leafBase + Int(newLeaf)] = slot
        leafMass[leafBase + Int(newLeaf)] = 1
        leafParent[leafBase + Int(newLeaf)] = Int32(newNode)
        let displaced: Int32 = savedLevel == depth ? ~Int32(leaf) : path[savedLevel]
        if point[savedDimension] <= savedValue {
            nodes[nodeBase + newNode] = TreeNode(left: ~newLeaf, right: displaced, cutDimension: Int32(savedDimension), cutValue: savedValue)
        } else {
            nodes[nodeBase + newNode] = TreeNode(left: displaced, right: ~newLeaf, cutDimension: Int32(savedDimension), cutValue: savedValue)
        }
        let newBox = box + newNode * 2 * d
        for i in 0..<d {
            newBox[i] = min(savedMin[i], point[i])
            newBox[d + i] = max(savedMax[i], point[i])
        }
        if displaced >= 0 {
            nodeParent[nodeBase + Int(displaced)] = Int32(newNode)
        } else {
            leafParent[leafBase + Int(~displaced)] = Int32(newNode)
        }
        nodeParent[nodeBase + newNode] = savedLevel == 0 ? -1 : path[savedLevel - 1]
        if savedLevel == 0 {
            root[t] = Int32(newNode)
        } else {
            let parent = nodeBase + Int(path[savedLevel - 1])
            if nodes[parent].left == displaced { nodes[parent].left = Int32(newNode) } else { nodes[parent].right = Int32(newNode) }
        }
        // Ancestors' boxes grow to take the point in, from the splice up until a box already
        // contains it (then every box above does too).
        var growing = true
        var i = savedLevel - 1
        while i >= 0, growing {
            let nodeBox = box + Int(path[i]) * 2 * d
            growing = false
            for j in 0..<d {
                if point[j] < nodeBox[j] { nodeBox[j] = point[j]; growing = true }
                if point[j] > nodeBox[d + j] { nodeBox[d + j] = point[j]; growing = true }
            }
            i -= 1
        }
        return (slot, newLeaf)
    }

    /// Removes one occurrence of the point held by `leaf` from tree `t`, shrinking ancestor boxes.
    /// Goes straight to the leaf through the reservoir's record and climbs by parent links only as
    /// far as boxes change. Returns nil when the leaf only lost mass (the tree's shape is unchanged),
    /// otherwise the internal node freed with the leaf (its parent, −1 when the leaf was the root).
    @discardableResult
    func delete(tree t: Int, leaf: Int32) -> Int32? {
        let leafBase = t * sampleSize
        let nodeBase = t * internalPerTree
        let l = leafBase + Int(leaf)
        if leafMass[l] > 1 {
            leafMass[l] -= 1
            return nil
        }
        let removed = UnsafePointer(pointValues(leafPoint[l]))
        leafMass[l] = 0
        leafPoint[l] = -1
        freeLeaves[leafBase + Int(freeLeafCount[t])] = leaf
        freeLeafCount[t] += 1
        let parent = leafParent[l]
        leafParent[l] = -1
        if parent < 0 {
            root[t] = Self.emptyRoot
            return -1
        }
        let parentRecord = nodes[nodeBase + Int(parent)]
        let sibling = parentRecord.left == ~leaf ? parentRecord.right : parentRecord.left
        let grandparent = nodeParent[nodeBase + Int(parent)]
        freeNodes[nodeBase + Int(freeNodeCount[t])] = parent
        freeNodeCount[t] += 1
        if sibling >= 0 {
            nodeParent[nodeBase + Int(sibling)] = grandparent
        } else {
            leafParent[leafBase + Int(~sibling)] = grandparent
        }
        if grandparent < 0 {
            root[t] = sibling
            return parent
        }
        let g = nodeBase + Int(grandparent)
        if nodes[g].left == parent { nodes[g].left = sibling } else { nodes[g].right = sibling }
        // Boxes shrink from the removed leaf up, until one does not change. A box that holds the
        // removed point strictly inside in every dimension has every face made by another point, so
        // it cannot change: that is checked on the box alone, before reading the children's boxes.
        let box = self.box + nodeBase * 2 * dimensions
        var node = grandparent
        while node >= 0, !Self.strictlyInside(removed, box + Int(node) * 2 * dimensions, dimensions),
              recomputeBox(tree: t, node: Int(node), box: box) {
            node = nodeParent[nodeBase + Int(node)]
        }
        return parent
    }

    /// Whether `point` lies strictly between the box's minima and maxima in every dimension.
    @inline(__always)
    static func strictlyInside(_ point: UnsafePointer<Float>, _ box: UnsafePointer<Float>, _ d: Int) -> Bool {
        var inside = true
        for i in 0..<d { inside = inside && point[i] > box[i] && point[i] < box[d + i] }
        return inside
    }

    /// Sets a node's box to the union of its children's; returns whether it changed.
    @inline(__always)
    private func recomputeBox(tree t: Int, node n: Int, box: UnsafeMutablePointer<Float>) -> Bool {
        let d = dimensions
        let nodeBase = t * internalPerTree
        let target = box + n * 2 * d
        let (leftMin, leftMax) = childBox(tree: t, reference: nodes[nodeBase + n].left, box: box)
        let (rightMin, rightMax) = childBox(tree: t, reference: nodes[nodeBase + n].right, box: box)
        var changed = false
        for i in 0..<d {
            let newMin = leftMin[i] < rightMin[i] ? leftMin[i] : rightMin[i]
            let newMax = leftMax[i] > rightMax[i] ? leftMax[i] : rightMax[i]
            changed = changed || newMin != target[i] || newMax != target[d + i]
            target[i] = newMin
            target[d + i] = newMax
        }
        return changed
    }

    /// A child's box: its stored box when internal, its point (as a degenerate box) when a leaf.
    @inline(__always)
    func childBox(tree t: Int, reference: Int32, box: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
        if reference >= 0 {
            let b = box + Int(reference) * 2 * dimensions
            return (UnsafePointer(b), UnsafePointer(b + dimensions))
        }
        let values = UnsafePointer(pointValues(leafPoint[t * sampleSize + Int(~reference)]))
        return (values, values)
    }
}
