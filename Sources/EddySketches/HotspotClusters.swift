/// The hotspots of one window state, computed into preallocated arrays indexed by window slot.
///
/// Union-find over core points joins each core to the core points in its radius; border points join
/// the cluster of their oldest core neighbour. Per-cluster accumulators live at the cluster root's slot.
/// Every choice depends only on the points and their insertion order (never on slot or grid layout), so a
/// window restored from a snapshot reports exactly the same hotspots in the same order.
struct HotspotClusters {
    let dimensions: Int
    private var parent: [Int32]
    private var clusterOf: [Int32]
    var memberCount: [Int32]
    var minimum: [Double]
    var maximum: [Double]
    private var oldestSequence: [UInt64]
    private var windowMinimum: [Double]
    private var windowMaximum: [Double]
    var hotspotRoots: [Int32]
    var hotspotDensity: [Double]
    var hotspotCount = 0

    init(capacity: Int, dimensions: Int) {
        self.dimensions = dimensions
        parent = Array(repeating: 0, count: capacity)
        clusterOf = Array(repeating: -1, count: capacity)
        memberCount = Array(repeating: 0, count: capacity)
        minimum = Array(repeating: 0, count: capacity * dimensions)
        maximum = Array(repeating: 0, count: capacity * dimensions)
        oldestSequence = Array(repeating: 0, count: capacity)
        windowMinimum = Array(repeating: 0, count: dimensions)
        windowMaximum = Array(repeating: 0, count: dimensions)
        hotspotRoots = Array(repeating: 0, count: capacity)
        hotspotDensity = Array(repeating: 0, count: capacity)
    }

    private mutating func find(_ slot: Int) -> Int {
        var current = slot
        while Int(parent[current]) != current {
            let grandparent = parent[Int(parent[current])]
            parent[current] = grandparent
            current = Int(grandparent)
        }
        return current
    }

    private mutating func union(_ a: Int, _ b: Int) {
        let rootA = find(a)
        let rootB = find(b)
        if rootA != rootB { parent[max(rootA, rootB)] = Int32(min(rootA, rootB)) }
    }

    mutating func compute(from window: inout HotspotWindow, minimumPoints: Int) {
        hotspotCount = 0
        let live = window.count
        guard live > 0 else { return }
        let threshold = Int32(minimumPoints)
        for slot in 0..<live {
            parent[slot] = Int32(slot)
            clusterOf[slot] = -1
            memberCount[slot] = 0
        }
        for slot in 0..<live where window.neighborCount[slot] >= threshold {
            window.collectNeighbors(of: slot)
            for index in 0..<window.neighborTotal {
                let other = Int(window.neighbors[index])
                if window.neighborCount[other] >= threshold { union(slot, other) }
            }
        }
        for slot in 0..<live {
            if window.neighborCount[slot] >= threshold {
                clusterOf[slot] = Int32(find(slot))
            } else if window.neighborCount[slot] > 1 {
                window.collectNeighbors(of: slot)
                var chosen = -1
                for index in 0..<window.neighborTotal {
                    let other = Int(window.neighbors[index])
                    guard window.neighborCount[other] >= threshold else { continue }
                    if chosen < 0 || window.sequence[other] < window.sequence[chosen] { chosen = other }
                }
                if chosen >= 0 { clusterOf[slot] = Int32(find(chosen)) }
            }
        }
        accumulate(window)
        rank(window, minimumPoints: minimumPoints)
    }

    private mutating func accumulate(_ window: HotspotWindow) {
        for slot in 0..<window.count {
            let base = slot * dimensions
            for dimension in 0..<dimensions {
                let value = window.coordinates[base + dimension]
                if slot == 0 || value < windowMinimum[dimension] { windowMinimum[dimension] = value }
                if slot == 0 || value > windowMaximum[dimension] { windowMaximum[dimension] = value }
            }
            let root = Int(clusterOf[slot])
            guard root >= 0 else { continue }
            let rootBase = root * dimensions
            if memberCount[root] == 0 {
                for dimension in 0..<dimensions {
                    minimum[rootBase + dimension] = window.coordinates[base + dimension]
                    maximum[rootBase + dimension] = window.coordinates[base + dimension]
                }
                oldestSequence[root] = window.sequence[slot]
            } else {
                for dimension in 0..<dimensions {
                    let value = window.coordinates[base + dimension]
                    if value < minimum[rootBase + dimension] { minimum[rootBase + dimension] = value }
                    if value > maximum[rootBase + dimension] { maximum[rootBase + dimension] = value }
                }
                oldestSequence[root] = min(oldestSequence[root], window.sequence[slot])
            }
            memberCount[root] += 1
        }
    }

    /// Keeps clusters of at least `minimumPoints`, computes their density, and sorts them densest first.
    private mutating func rank(_ window: HotspotWindow, minimumPoints: Int) {
        let pointShare = 1 / Double(window.count)
        for slot in 0..<window.count where Int(clusterOf[slot]) == slot && Int(memberCount[slot]) >= minimumPoints {
            var density = Double(memberCount[slot]) * pointShare
            let base = slot * dimensions
            for dimension in 0..<dimensions {
                let windowSide = windowMaximum[dimension] - windowMinimum[dimension] + window.radius
                let hotspotSide = maximum[base + dimension] - minimum[base + dimension] + window.radius
                density *= windowSide / hotspotSide
            }
            var position = hotspotCount
            while position > 0, precedes(density, slot, hotspotDensity[position - 1], Int(hotspotRoots[position - 1])) {
                hotspotRoots[position] = hotspotRoots[position - 1]
                hotspotDensity[position] = hotspotDensity[position - 1]
                position -= 1
            }
            hotspotRoots[position] = Int32(slot)
            hotspotDensity[position] = density
            hotspotCount += 1
        }
    }

    private func precedes(_ density: Double, _ root: Int, _ otherDensity: Double, _ otherRoot: Int) -> Bool {
        density != otherDensity ? density > otherDensity : oldestSequence[root] < oldestSequence[otherRoot]
    }
}

extension HotspotClusters: Sendable {}
