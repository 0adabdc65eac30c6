/// Writes `HOTSPOTS_RESULT` text by hand into the caller's byte buffer, with no Foundation encoder.
enum HotspotResultJSON {
    static func write(_ clusters: HotspotClusters, dimensions: Int, into buffer: inout [UInt8]) {
        append("{\"hotspots\":[", to: &buffer)
        for rank in 0..<clusters.hotspotCount {
            if rank > 0 { buffer.append(UInt8(ascii: ",")) }
            let base = Int(clusters.hotspotRoots[rank]) * dimensions
            append("{\"density\":", to: &buffer)
            appendNumber(clusters.hotspotDensity[rank], to: &buffer)
            append(",\"minValues\":[", to: &buffer)
            appendNumbers(clusters.minimum, base, dimensions, to: &buffer)
            append("],\"maxValues\":[", to: &buffer)
            appendNumbers(clusters.maximum, base, dimensions, to: &buffer)
            append("]}", to: &buffer)
        }
        append("]}", to: &buffer)
    }

    private static func append(_ text: StaticString, to buffer: inout [UInt8]) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    private static func appendNumbers(_ values: [Double], _ base: Int, _ count: Int, to buffer: inout [UInt8]) {
        for index in 0..<count {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            appendNumber(values[base + index], to: &buffer)
        }
    }

    /// Integral values as digits plus `.0` (no allocation); others as Swift's shortest round-trip text,
    /// which lives inline in the string (no heap) up to 15 characters. JSON has no NaN or ∞: `null`.
    static func appendNumber(_ value: Double, to buffer: inout [UInt8]) {
        guard value.isFinite else {
            append("null", to: &buffer)
            return
        }
        if value == value.rounded(), value.magnitude < 1e15 {
            var magnitude = UInt64(value.magnitude)
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            // At most 15 decimal digits, packed one per nibble, least significant pushed first so the
            // most significant sits in the low nibble and comes out first.
            var packed: UInt64 = 0
            var length = 0
            repeat {
                packed = packed << 4 | magnitude % 10
                length += 1
                magnitude /= 10
            } while magnitude > 0
            for _ in 0..<length {
                buffer.append(UInt8(ascii: "0") + UInt8(packed & 0xF))
                packed >>= 4
            }
            append(".0", to: &buffer)
            return
        }
        var text = value.description
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }
}
