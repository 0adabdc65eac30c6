/// Complete state of a `DistinctCounter`, for engine checkpoints.
///
/// Unlike `HyperLogLog.serialized()`, which recomputes the HIP inverse-probability sum from the
/// registers, this keeps the running sum bit for bit: it was accumulated incrementally, and a
/// recomputed sum can differ in the last bits, which would make a restored counter drift from an
/// uninterrupted one. The exact phase's hashes are written sorted, so equal states give equal bytes.
extension DistinctCounter {
    static let snapshotVersion: UInt8 = 1

    public func snapshotBytes() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 32 + exact.count * 8)
        writer.write(magic: "EDCS")
        writer.write(Self.snapshotVersion)
        writer.write(exactLimit)
        writer.write(lgK)
        if let sketch {
            writer.write(true)
            writer.write(bytes: sketch.serialized())
            writer.write(sketch.inverseProbabilitySum)
        } else {
            writer.write(false)
            writer.write(uint64s: exact.members.sorted())
        }
        return writer.bytes
    }

    public init(snapshotBytes bytes: [UInt8]) throws(SketchDecodingError) {
        var reader = ByteReader(bytes)
        try reader.expect(magic: "EDCS")
        let version = try reader.readUInt8("version")
        guard version == Self.snapshotVersion else { throw SketchDecodingError("DistinctCounter snapshot version \(version) is not supported") }
        let limit = try reader.readCount("exact limit", max: 1 << 30)
        let lgK = try reader.readInt("lgK")
        do { try self.init(exactLimit: limit, lgK: lgK) } catch { throw SketchDecodingError(error.reason) }
        if try reader.readBool("sketch flag") {
            var hll = try HyperLogLog(serialized: try reader.readBytes("sketch", max: bytes.count))
            guard hll.lgK == lgK, !hll.isSparse || hll.sparse.count <= hll.sparseLimit else {
                throw SketchDecodingError("sketch does not match the counter's lgK \(lgK)")
            }
            let sum = try reader.readDouble("inverse probability sum")
            guard sum.isFinite, sum >= 0 else { throw SketchDecodingError("inverse probability sum \(sum)") }
            if !hll.isSparse { hll.inverseProbabilitySum = sum }
            sketch = hll
        } else {
            let hashes = try reader.readUInt64s("exact hashes", max: limit)
            exact = HashWordSet(hashes)
            guard exact.count == hashes.count else { throw SketchDecodingError("exact hashes repeat") }
        }
        try reader.expectEnd()
    }
}
