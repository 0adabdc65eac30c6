/// Reads what `ByteWriter` wrote, failing with a reason on truncated or implausible input.
/// Public so EddyEngine's engine snapshot uses the same little-endian encoding as the sketches.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ what: String) throws(SketchDecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw SketchDecodingError("truncated input while reading \(what) at byte \(offset)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func readUInt8(_ what: String) throws(SketchDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw SketchDecodingError("truncated input while reading \(what) at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Fixed-width reads load straight from the buffer: forests and engine snapshots read millions
    /// of them, and a slice per value made restoring a 20 MB snapshot several times slower.
    public mutating func readUInt32(_ what: String) throws(SketchDecodingError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw SketchDecodingError("truncated input while reading \(what) at byte \(offset)") }
        let at = offset
        offset += 4
        return UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) })
    }

    public mutating func readUInt64(_ what: String) throws(SketchDecodingError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw SketchDecodingError("truncated input while reading \(what) at byte \(offset)") }
        let at = offset
        offset += 8
        return UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) })
    }

    public mutating func readInt(_ what: String) throws(SketchDecodingError) -> Int {
        Int(Int64(bitPattern: try readUInt64(what)))
    }

    /// Reads a count and checks it against an upper bound, so a corrupt length cannot trigger a huge allocation.
    public mutating func readCount(_ what: String, max: Int) throws(SketchDecodingError) -> Int {
        let count = try readInt(what)
        guard count >= 0, count <= max else {
            throw SketchDecodingError("\(what) is \(count), expected 0...\(max)")
        }
        return count
    }

    public mutating func readDouble(_ what: String) throws(SketchDecodingError) -> Double {
        Double(bitPattern: try readUInt64(what))
    }

    public mutating func readFloat(_ what: String) throws(SketchDecodingError) -> Float {
        Float(bitPattern: try readUInt32(what))
    }

    public mutating func readBool(_ what: String) throws(SketchDecodingError) -> Bool {
        switch try readUInt8(what) {
        case 0: return false
        case 1: return true
        case let other: throw SketchDecodingError("\(what) has byte \(other), expected 0 or 1")
        }
    }

    public mutating func expect(magic: StaticString) throws(SketchDecodingError) {
        let expected = magic.withUTF8Buffer { Array($0) }
        let found = try take(expected.count, "magic")
        guard Array(found) == expected else {
            throw SketchDecodingError("bad magic: expected \(String(decoding: expected, as: UTF8.self))")
        }
    }

    public mutating func readBytes(_ what: String, max: Int) throws(SketchDecodingError) -> [UInt8] {
        let count = try readCount(what, max: max)
        return Array(try take(count, what))
    }

    public mutating func readFloats(_ what: String, max: Int) throws(SketchDecodingError) -> [Float] {
        let count = try readCount(what, max: max)
        guard bytes.count - offset >= count * 4 else { throw SketchDecodingError("truncated \(what)") }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = try readFloat(what) }
        return values
    }

    public mutating func readDoubles(_ what: String, max: Int) throws(SketchDecodingError) -> [Double] {
        let count = try readCount(what, max: max)
        guard bytes.count - offset >= count * 8 else { throw SketchDecodingError("truncated \(what)") }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count { values[i] = try readDouble(what) }
        return values
    }

    public mutating func readInt32s(_ what: String, max: Int) throws(SketchDecodingError) -> [Int32] {
        let count = try readCount(what, max: max)
        guard bytes.count - offset >= count * 4 else { throw SketchDecodingError("truncated \(what)") }
        var values = [Int32](repeating: 0, count: count)
        for i in 0..<count { values[i] = Int32(bitPattern: try readUInt32(what)) }
        return values
    }

    public mutating func readUInt64s(_ what: String, max: Int) throws(SketchDecodingError) -> [UInt64] {
        let count = try readCount(what, max: max)
        guard bytes.count - offset >= count * 8 else { throw SketchDecodingError("truncated \(what)") }
        var values = [UInt64](repeating: 0, count: count)
        for i in 0..<count { values[i] = try readUInt64(what) }
        return values
    }

    public func expectEnd() throws(SketchDecodingError) {
        guard isAtEnd else { throw SketchDecodingError("\(bytes.count - offset) unexpected trailing bytes") }
    }
}
