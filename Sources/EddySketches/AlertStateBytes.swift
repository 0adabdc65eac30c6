/// Why a snapshot of alert or hotspot state could not be restored.
///
/// Snapshots come back from a checkpoint directory or a changelog topic, possibly written by another
/// version of Eddy, so a corrupt or foreign byte string must become an explained error, never a crash
/// or a detector that silently answers differently.
public struct StateRestoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "cannot restore state: \(reason)" }
}

/// Why an alert rule (threshold or cool-down) rejected its configuration.
public struct AlertConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid alert configuration: \(reason)" }
}

/// Appends fixed-width little-endian values, so a snapshot reads back identically on any machine.
///
/// Kept private to the alert and hotspot types (rather than shared with the sketches' writer) so the two
/// families of snapshots can evolve their formats independently.
struct StateBytesWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(magic: StaticString, version: UInt8) {
        magic.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(version)
    }

    mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func write(_ value: UInt64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: value))
    }

    mutating func write(_ value: Int) {
        write(Int64(value))
    }

    mutating func write(_ value: Double) {
        write(value.bitPattern)
    }

    mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func write(lengthPrefixed other: [UInt8]) {
        write(other.count)
        bytes.append(contentsOf: other)
    }
}

/// Reads what `StateBytesWriter` wrote; every read names what it reads, so errors say where they failed.
struct StateBytesReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func take(_ count: Int, _ what: String) throws(StateRestoreError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw StateRestoreError("truncated input while reading \(what) at byte \(offset)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Checks the type's magic and its format version; a different version is refused with both numbers.
    mutating func expect(magic: StaticString, version: UInt8, of kind: String) throws(StateRestoreError) {
        let expected = magic.withUTF8Buffer { Array($0) }
        let found = try take(expected.count, "\(kind) magic")
        guard Array(found) == expected else {
            throw StateRestoreError("not a \(kind) snapshot (bad magic)")
        }
        let foundVersion = try readUInt8("\(kind) format version")
        guard foundVersion == version else {
            throw StateRestoreError(
                "\(kind) snapshot has format version \(foundVersion); this build reads only version \(version)")
        }
    }

    mutating func readUInt8(_ what: String) throws(StateRestoreError) -> UInt8 {
        try take(1, what).first!
    }

    mutating func readUInt64(_ what: String) throws(StateRestoreError) -> UInt64 {
        var value: UInt64 = 0
        for (shift, byte) in try take(8, what).enumerated() { value |= UInt64(byte) << (8 * shift) }
        return value
    }

    mutating func readInt64(_ what: String) throws(StateRestoreError) -> Int64 {
        Int64(bitPattern: try readUInt64(what))
    }

    /// Reads a non-negative integer no larger than `max`, so a corrupt count cannot trigger a huge allocation.
    mutating func readInt(_ what: String, in range: ClosedRange<Int>) throws(StateRestoreError) -> Int {
        let value = try readInt64(what)
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw StateRestoreError("\(what) is \(value), expected \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(value)
    }

    mutating func readDouble(_ what: String) throws(StateRestoreError) -> Double {
        Double(bitPattern: try readUInt64(what))
    }

    mutating func readFiniteDouble(_ what: String) throws(StateRestoreError) -> Double {
        let value = try readDouble(what)
        guard value.isFinite else { throw StateRestoreError("\(what) is \(value), expected a finite number") }
        return value
    }

    mutating func readBool(_ what: String) throws(StateRestoreError) -> Bool {
        switch try readUInt8(what) {
        case 0: return false
        case 1: return true
        case let other: throw StateRestoreError("\(what) has byte \(other), expected 0 or 1")
        }
    }

    mutating func readLengthPrefixed(_ what: String, max: Int) throws(StateRestoreError) -> [UInt8] {
        let count = try readInt("length of \(what)", in: 0...max)
        return Array(try take(count, what))
    }

    func expectEnd(of kind: String) throws(StateRestoreError) {
        guard offset == bytes.count else {
            throw StateRestoreError("\(bytes.count - offset) unexpected trailing bytes after the \(kind) snapshot")
        }
    }
}
