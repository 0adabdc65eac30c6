/// KDA's `HOTSPOTS(cursor, windowSize, scanRadius, minimumNumberOfPointsInAHotspot)`: dense regions
/// among the last `windowSize` points of a stream.
///
/// **Definition (DBSCAN over the sliding window, as KDA's reference likens `scanRadius` to DBSCAN's ε).**
/// Distances are Euclidean over the numeric columns. A point's neighbourhood is every window point
/// within `scanRadius` (inclusive), itself included. A point is *core* when its neighbourhood holds at
/// least `minimumNumberOfPointsInAHotspot` points. Core points within `scanRadius` of each other are
/// connected; each connected group, plus the non-core points within `scanRadius` of one of its cores
/// (each such border point joins the cluster of its oldest core neighbour), is a candidate. Candidates
/// with at least `minimumNumberOfPointsInAHotspot` points are the hotspots.
///
/// **Density.** KDA documents `density` as "the number of records in the hotspot divided by the
/// hotspot size", to rank hotspots. Here it is that ratio relative to the whole window, so it has no
/// units and 1 means "as dense as the window on average":
///
///     density = (n_hotspot / n_window) / (V_hotspot / V_window),
///     V = ∏ over columns of (max − min + scanRadius)
///
/// where the boxes are the bounding boxes of the hotspot's and of the window's points. Padding every
/// side by `scanRadius` gives each point a radius-wide footprint, so a hotspot of identical points has
/// a finite size. Uniform noise yields densities near 1; real hotspots are well above it.
///
/// **Cost.** `add` is O(3^d + points within the neighbouring cells) through a grid of `scanRadius`-wide
/// cells (O(windowSize) when 3^d exceeds a quarter of the window); neighbour counts are maintained
/// incrementally as points enter and leave. Hotspots are computed lazily when a result is asked for:
/// one radius query per point of the window. Nothing allocates after `init` except `hotspots()`, which
/// returns arrays for convenience; the engine writes the JSON with `writeResultJSON(into:)`.
public struct Hotspots: Sendable {
    public let configuration: HotspotsConfiguration
    var window: HotspotWindow
    var clusters: HotspotClusters
    var resultIsCurrent = false

    public init(configuration: HotspotsConfiguration) throws(HotspotsError) {
        try configuration.validate()
        self.configuration = configuration
        window = HotspotWindow(
            capacity: configuration.windowSize, dimensions: configuration.dimensions,
            radius: configuration.scanRadius)
        clusters = HotspotClusters(capacity: configuration.windowSize, dimensions: configuration.dimensions)
    }

    /// Adds one record's numeric columns (exactly `dimensions` finite values), evicting the oldest point
    /// once the window is full. A wrong count or a NaN/±∞ is an error and leaves the window unchanged.
    public mutating func add(_ point: UnsafeBufferPointer<Double>) throws(HotspotsError) {
        guard point.count == configuration.dimensions else {
            throw HotspotsError("a point has \(point.count) values, expected \(configuration.dimensions)")
        }
        for (column, value) in point.enumerated() where !value.isFinite {
            throw HotspotsError("column \(column) is \(value); hotspots need finite numbers")
        }
        _ = window.insert(point)
        resultIsCurrent = false
    }

    /// Adds one point given as an array (see `add(_:)` for buffers).
    public mutating func add(_ point: [Double]) throws(HotspotsError) {
        try point.withUnsafeBufferPointer { buffer throws(HotspotsError) in try add(buffer) }
    }

    /// Points currently in the window.
    public var pointCount: Int { window.count }

    /// The current hotspots, densest first (ties: the one holding the oldest point first).
    public mutating func hotspots() -> [Hotspot] {
        refresh()
        return (0..<clusters.hotspotCount).map { rank in
            let root = Int(clusters.hotspotRoots[rank])
            let range = root * configuration.dimensions..<(root + 1) * configuration.dimensions
            return Hotspot(
                density: clusters.hotspotDensity[rank], pointCount: Int(clusters.memberCount[root]),
                minValues: Array(clusters.minimum[range]), maxValues: Array(clusters.maximum[range]))
        }
    }

    /// Appends KDA's `HOTSPOTS_RESULT` text for the current window to `buffer`:
    /// `{"hotspots":[{"density":…,"minValues":[…],"maxValues":[…]}, …]}`, densest first.
    public mutating func writeResultJSON(into buffer: inout [UInt8]) {
        refresh()
        HotspotResultJSON.write(clusters, dimensions: configuration.dimensions, into: &buffer)
    }

    mutating func refresh() {
        guard !resultIsCurrent else { return }
        clusters.compute(from: &window, minimumPoints: configuration.minimumNumberOfPointsInAHotspot)
        resultIsCurrent = true
    }
}

/// One dense region of the window.
public struct Hotspot: Sendable, Equatable {
    /// Relative density (see `Hotspots`): 1 is the window's average, hotspots are well above.
    public let density: Double
    public let pointCount: Int
    /// Per column, the smallest value among the hotspot's points.
    public let minValues: [Double]
    /// Per column, the largest value among the hotspot's points.
    public let maxValues: [Double]
}

/// `HOTSPOTS` parameters, with KDA's documented ranges.
public struct HotspotsConfiguration: Sendable, Equatable {
    /// Points kept in the sliding window: 100...1000, as in KDA.
    public var windowSize: Int
    /// Neighbourhood radius in the columns' own units (> 0); normalize columns before if their scales differ.
    public var scanRadius: Double
    /// Points needed to make a hotspot: 2...windowSize, as in KDA.
    public var minimumNumberOfPointsInAHotspot: Int
    /// Numeric columns per point: 1...64.
    public var dimensions: Int

    public init(windowSize: Int, scanRadius: Double, minimumNumberOfPointsInAHotspot: Int, dimensions: Int) {
        self.windowSize = windowSize
        self.scanRadius = scanRadius
        self.minimumNumberOfPointsInAHotspot = minimumNumberOfPointsInAHotspot
        self.dimensions = dimensions
    }

    func validate() throws(HotspotsError) {
        guard (100...1000).contains(windowSize) else {
            throw HotspotsError("windowSize is \(windowSize), expected 100...1000")
        }
        guard scanRadius.isFinite, scanRadius > 0 else {
            throw HotspotsError("scanRadius is \(scanRadius), expected a finite number > 0")
        }
        guard (2...windowSize).contains(minimumNumberOfPointsInAHotspot) else {
            throw HotspotsError(
                "minimumNumberOfPointsInAHotspot is \(minimumNumberOfPointsInAHotspot), expected 2...\(windowSize)")
        }
        guard (1...64).contains(dimensions) else {
            throw HotspotsError("dimensions is \(dimensions), expected 1...64 numeric columns")
        }
    }
}

/// Why `Hotspots` rejected its configuration or a point.
public struct HotspotsError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "HOTSPOTS: \(reason)" }
}
