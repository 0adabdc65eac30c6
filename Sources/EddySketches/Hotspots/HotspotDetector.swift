/// KDA's HOTSPOTS: dense regions among the last `windowSize` records.
///
/// After each record the window is clustered DBSCAN-style (Ester et al. 1996) with ε = `scanRadius`
/// and `minimumPoints` = `minimumNumberOfPointsInAHotspot`: a point with at least that many window
/// points within ε (itself included) is a core point, core points within ε of each other share a
/// hotspot, and non-core points within ε of a core point join it. Each hotspot reports its bounding
/// box and its density.
///
/// KDA does not publish its density formula; here `density` is the hotspot's share of the window's
/// points divided by its box's share of the window box's volume (each side at least ε, so flat
/// clusters stay finite): 1 means "as dense as the window on average", larger is hotter.
///
/// Neighbour search uses a grid of ε-sized cells held as a sorted key array, so a record costs
/// O(window × 3^d) distance checks for d ≤ 3 (all pairs above) and allocates nothing once the window
/// is full.
public struct HotspotDetector: Sendable {
    public struct Hotspot: Sendable, Equatable {
        public var density: Double
        public var minValues: [Double]
        public var maxValues: [Double]
        public var pointCount: Int
    }

    public static let windowSizeRange: ClosedRange<Int> = 100...1000

    public let dimensions: Int
    public let windowSize: Int
    public let scanRadius: Double
    public let minimumPoints: Int

    /// Ring buffer of the window's points, `dimensions` values each.
    var window: [Double]
    var count = 0
    var next = 0
    // Scratch reused across records.
    private var cellKeys: [(key: Int64, index: Int32)] = []
    private var neighbourCount: [Int32] = []
    private var label: [Int32] = []
    private var stack: [Int32] = []
    private var neighbourBuffer: [Int32] = []

    public init(dimensions: Int, windowSize: Int, scanRadius: Double, minimumPoints: Int) throws(SketchConfigurationError) {
        guard dimensions >= 1, dimensions <= 64 else { throw SketchConfigurationError("HOTSPOTS needs 1...64 numeric columns, got \(dimensions)") }
        guard Self.windowSizeRange.contains(windowSize) else {
            throw SketchConfigurationError("HOTSPOTS windowSize \(windowSize) is outside \(Self.windowSizeRange)")
        }
        guard scanRadius.isFinite, scanRadius > 0 else { throw SketchConfigurationError("HOTSPOTS scanRadius \(scanRadius) must be finite and > 0") }
        guard minimumPoints >= 2, minimumPoints <= windowSize else {
            throw SketchConfigurationError("HOTSPOTS minimumNumberOfPointsInAHotspot \(minimumPoints) is outside 2...\(windowSize)")
        }
        self.dimensions = dimensions
        self.windowSize = windowSize
        self.scanRadius = scanRadius
        self.minimumPoints = minimumPoints
        window = [Double](repeating: 0, count: windowSize * dimensions)
        cellKeys.reserveCapacity(windowSize)
        neighbourCount = [Int32](repeating: 0, count: windowSize)
        label = [Int32](repeating: -1, count: windowSize)
        stack.reserveCapacity(windowSize)
        neighbourBuffer.reserveCapacity(windowSize)
    }

    /// Why a record was refused.
    public struct RecordError: Error, Equatable, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { "HOTSPOTS record rejected: \(reason)" }
    }

    /// Adds the record to the window (evicting the oldest) and returns the window's hotspots,
    /// densest first.
    public mutating func process(_ record: [Double]) throws(RecordError) -> [Hotspot] {
        guard record.count == dimensions else {
            throw RecordError(reason: "expected \(dimensions) numeric values, got \(record.count)")
        }
        for (j, value) in record.enumerated() where !value.isFinite || abs(value / scanRadius) > 1e15 {
            throw RecordError(reason: "value \(value) at position \(j) is not finite or too large for the grid")
        }
        for j in 0..<dimensions { window[next * dimensions + j] = record[j] }
        next = (next + 1) % windowSize
        count = min(count + 1, windowSize)
        return findHotspots()
    }

    private func cellKey(_ point: Int, offset: UnsafePointer<Int64>?) -> Int64 {
        var key: UInt64 = 0x9E37_79B9_7F4A_7C15
        for j in 0..<dimensions {
            var cell = Int64((window[point * dimensions + j] / scanRadius).rounded(.down))
            if let offset { cell += offset[j] }
            key = (key ^ UInt64(bitPattern: cell)) &* 0x100_0000_01B3
            key ^= key >> 29
        }
        return Int64(bitPattern: key)
    }

    @inline(__always)
    private func withinRadius(_ a: Int, _ b: Int) -> Bool {
        var sum = 0.0
        for j in 0..<dimensions {
            let delta = window[a * dimensions + j] - window[b * dimensions + j]
            sum += delta * delta
        }
        return sum <= scanRadius * scanRadius
    }

    /// Replaces `found` with every window point within ε of `point` (itself included).
    private func collectNeighbours(of point: Int, into found: inout [Int32]) {
        found.removeAll(keepingCapacity: true)
        if dimensions > 3 {
            for other in 0..<count where withinRadius(point, other) { found.append(Int32(other)) }
            return
        }
        // 3^d neighbouring cells, d ≤ 3: offsets and visited keys live on the stack.
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 3 + 27) { scratch in
            let offsets = scratch.baseAddress!
            let seenKeys = offsets + 3
            var seenCount = 0
            for j in 0..<dimensions { offsets[j] = -1 }
            while true {
                let key = cellKey(point, offset: UnsafePointer(offsets))
                var seen = false
                for k in 0..<seenCount where seenKeys[k] == key { seen = true }
                if !seen {
                    seenKeys[seenCount] = key
                    seenCount += 1
                    var low = 0
                    var high = cellKeys.count
                    while low < high {
                        let mid = (low + high) / 2
                        if cellKeys[mid].key < key { low = mid + 1 } else { high = mid }
                    }
                    while low < cellKeys.count, cellKeys[low].key == key {
                        let other = Int(cellKeys[low].index)
                        if withinRadius(point, other) { found.append(Int32(other)) }
                        low += 1
                    }
                }
                var j = 0
                while j < dimensions {
                    offsets[j] += 1
                    if offsets[j] <= 1 { break }
                    offsets[j] = -1
                    j += 1
                }
                if j == dimensions { return }
            }
        }
    }

    private mutating func findHotspots() -> [Hotspot] {
        cellKeys.removeAll(keepingCapacity: true)
        if dimensions <= 3 {
            for i in 0..<count { cellKeys.append((cellKey(i, offset: nil), Int32(i))) }
            cellKeys.sort { $0.key < $1.key }
        }
        // Moved out of `self` while `self`'s methods read the window (exclusive access).
        var found = neighbourBuffer
        neighbourBuffer = []
        defer { neighbourBuffer = found }
        for i in 0..<count {
            collectNeighbours(of: i, into: &found)
            neighbourCount[i] = Int32(found.count)
            label[i] = -1
        }
        var clusters = 0
        let minimum = Int32(minimumPoints)
        for seed in 0..<count where label[seed] == -1 && neighbourCount[seed] >= minimum {
            let cluster = Int32(clusters)
            clusters += 1
            label[seed] = cluster
            stack.removeAll(keepingCapacity: true)
            stack.append(Int32(seed))
            while let current = stack.popLast() {
                guard neighbourCount[Int(current)] >= minimum else { continue }
                collectNeighbours(of: Int(current), into: &found)
                for other in found where label[Int(other)] == -1 {
                    label[Int(other)] = cluster
                    stack.append(other)
                }
            }
        }
        guard clusters > 0 else { return [] }
        // Window box, for the density's reference volume.
        var windowMin = [Double](repeating: .infinity, count: dimensions)
        var windowMax = [Double](repeating: -.infinity, count: dimensions)
        var hotspots = (0..<clusters).map { _ in
            Hotspot(density: 0, minValues: [Double](repeating: .infinity, count: dimensions),
                    maxValues: [Double](repeating: -.infinity, count: dimensions), pointCount: 0)
        }
        for i in 0..<count {
            for j in 0..<dimensions {
                let value = window[i * dimensions + j]
                windowMin[j] = min(windowMin[j], value)
                windowMax[j] = max(windowMax[j], value)
            }
            let cluster = Int(label[i])
            guard cluster >= 0 else { continue }
            hotspots[cluster].pointCount += 1
            for j in 0..<dimensions {
                let value = window[i * dimensions + j]
                hotspots[cluster].minValues[j] = min(hotspots[cluster].minValues[j], value)
                hotspots[cluster].maxValues[j] = max(hotspots[cluster].maxValues[j], value)
            }
        }
        for c in 0..<clusters {
            // Log-volumes avoid overflow in many dimensions.
            var logRatio = 0.0
            for j in 0..<dimensions {
                let side = max(hotspots[c].maxValues[j] - hotspots[c].minValues[j], scanRadius)
                let windowSide = max(windowMax[j] - windowMin[j], scanRadius)
                logRatio += Double.naturalLog(windowSide / side)
            }
            let share = Double(hotspots[c].pointCount) / Double(count)
            hotspots[c].density = share * exponential(logRatio)
        }
        return hotspots.sorted { $0.density > $1.density }
    }
}

extension HotspotDetector.Hotspot {
    /// The hotspot as KDA's JSON object: `{"density":…,"minValues":[…],"maxValues":[…]}`.
    public var json: String {
        func list(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ",") + "]" }
        return "{\"density\":\(density),\"minValues\":\(list(minValues)),\"maxValues\":\(list(maxValues))}"
    }
}

extension HotspotDetector {
    /// KDA's HOTSPOTS_RESULT column: `{"hotspots":[…]}`.
    public static func resultJSON(_ hotspots: [Hotspot]) -> String {
        "{\"hotspots\":[" + hotspots.map(\.json).joined(separator: ",") + "]}"
    }
}
