/// Appends fixed-width little-endian values to a byte array.
///
/// Snapshots must read back identically on any machine, so every value is written with an explicit
/// width and byte order rather than through a reflection-based encoder.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func write(_ value: UInt32) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int) {
        write(UInt64(bitPattern: Int64(value)))
    }

    public mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: value))
    }

    public mutating func write(_ value: Double) {
        write(value.bitPattern)
    }

    public mutating func write(_ value: Float) {
        write(value.bitPattern)
    }

    public mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    public mutating func write(magic: StaticString) {
        magic.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func write(bytes other: [UInt8]) {
        write(other.count)
        bytes.append(contentsOf: other)
    }

    public mutating func write(floats: [Float]) {
        write(floats.count)
        for value in floats { write(value) }
    }

    public mutating func write(doubles: [Double]) {
        write(doubles.count)
        for value in doubles { write(value) }
    }

    public mutating func write(int32s: [Int32]) {
        write(int32s.count)
        for value in int32s { write(UInt32(bitPattern: value)) }
    }

    public mutating func write(uint64s: [UInt64]) {
        write(uint64s.count)
        for value in uint64s { write(value) }
    }
}
