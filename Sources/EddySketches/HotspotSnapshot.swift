/// Snapshot format of `Hotspots` (version 1, little-endian): `"HOTS"`, version, configuration, the
/// total number of points ever added, the window's point count, then its points oldest first.
///
/// Neighbour counts, the grid and the clusters are derived from the points, so they are rebuilt on
/// restore by re-adding the points in their original order (with their original sequence numbers);
/// the restored window then reports the same hotspots and evolves identically.
extension Hotspots {
    static let formatVersion: UInt8 = 1

    public func snapshot() -> [UInt8] {
        let dimensions = configuration.dimensions
        var writer = StateBytesWriter(reservingCapacity: 64 + window.count * dimensions * 8)
        writer.write(magic: "HOTS", version: Self.formatVersion)
        writer.write(configuration.windowSize)
        writer.write(configuration.scanRadius)
        writer.write(configuration.minimumNumberOfPointsInAHotspot)
        writer.write(dimensions)
        writer.write(window.insertedTotal)
        writer.write(window.count)
        let oldest = window.oldestSlot
        for offset in 0..<window.count {
            let slot = (oldest + offset) % window.capacity
            for dimension in 0..<dimensions { writer.write(window.coordinates[slot * dimensions + dimension]) }
        }
        return writer.bytes
    }

    public init(snapshot bytes: [UInt8]) throws(StateRestoreError) {
        var reader = StateBytesReader(bytes)
        try reader.expect(magic: "HOTS", version: Self.formatVersion, of: "hotspots")
        let configuration = HotspotsConfiguration(
            windowSize: try reader.readInt("windowSize", in: 100...1000),
            scanRadius: try reader.readDouble("scanRadius"),
            minimumNumberOfPointsInAHotspot: try reader.readInt("minimumNumberOfPointsInAHotspot", in: 2...1000),
            dimensions: try reader.readInt("dimensions", in: 1...64))
        do {
            try self.init(configuration: configuration)
        } catch {
            throw StateRestoreError("snapshot holds an invalid configuration: \(error.reason)")
        }
        let insertedTotal = try reader.readUInt64("points added")
        let count = try reader.readInt("window point count", in: 0...configuration.windowSize)
        guard UInt64(count) <= insertedTotal else {
            throw StateRestoreError("window holds \(count) points but only \(insertedTotal) were ever added")
        }
        window.insertedTotal = insertedTotal - UInt64(count)
        var point = [Double](repeating: 0, count: configuration.dimensions)
        for _ in 0..<count {
            for dimension in 0..<configuration.dimensions { point[dimension] = try reader.readFiniteDouble("coordinate") }
            point.withUnsafeBufferPointer { _ = window.insert($0) }
        }
        try reader.expectEnd(of: "hotspots")
    }
}
