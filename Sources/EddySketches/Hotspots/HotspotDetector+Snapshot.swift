/// The window of a `HotspotDetector` (its only state besides the configuration), for engine
/// checkpoints: the ring buffer, its fill count and the next write position. Clustering scratch is
/// rebuilt per record and not saved.
extension HotspotDetector {
    public func snapshotBytes() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + window.count * 8)
        writer.write(magic: "EHSP")
        writer.write(UInt8(1))
        writer.write(dimensions)
        writer.write(windowSize)
        writer.write(scanRadius)
        writer.write(minimumPoints)
        writer.write(count)
        writer.write(next)
        writer.write(doubles: window)
        return writer.bytes
    }

    /// Restores the window saved by `snapshotBytes()` into this detector, which must have the same configuration.
    public mutating func restore(snapshotBytes bytes: [UInt8]) throws(SketchDecodingError) {
        var reader = ByteReader(bytes)
        try reader.expect(magic: "EHSP")
        let version = try reader.readUInt8("version")
        guard version == 1 else { throw SketchDecodingError("HOTSPOTS snapshot version \(version) is not supported") }
        let d = try reader.readInt("dimensions"), size = try reader.readInt("window size")
        let radius = try reader.readDouble("scan radius"), minimum = try reader.readInt("minimum points")
        guard d == dimensions, size == windowSize, radius == scanRadius, minimum == minimumPoints else {
            throw SketchDecodingError("HOTSPOTS snapshot configuration (\(d) dimensions, window \(size), radius \(radius), minimum \(minimum))"
                + " differs from this detector's (\(dimensions), \(windowSize), \(scanRadius), \(minimumPoints))")
        }
        let filled = try reader.readCount("window fill", max: windowSize)
        let position = try reader.readCount("next position", max: windowSize - 1)
        let values = try reader.readDoubles("window", max: windowSize * dimensions)
        guard values.count == windowSize * dimensions else { throw SketchDecodingError("window holds \(values.count) values, expected \(windowSize * dimensions)") }
        try reader.expectEnd()
        window = values
        count = filled
        next = position
    }
}
