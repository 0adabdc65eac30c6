/// Reads alert and hotspot snapshots with Common's `ByteReader` (the same little-endian encoding as
/// the sketches), adding what these snapshots check beyond it: a format version named in the error,
/// ranged counts and finite numbers. Failures are `StateRestoreError`s, the error the alert types
/// promise their callers.
struct AlertSnapshotReader {
    private var reader: ByteReader
    private let count: Int

    init(_ bytes: [UInt8]) {
        reader = ByteReader(bytes)
        count = bytes.count
    }

    /// Runs one read of the underlying reader, reporting its failure as a restore error.
    private mutating func read<Value>(
        _ body: (inout ByteReader) throws(SketchDecodingError) -> Value
    ) throws(StateRestoreError) -> Value {
        do {
            return try body(&reader)
        } catch {
            throw StateRestoreError(error.reason)
        }
    }

    /// Checks the type's magic and its format version; a different version is refused with both numbers.
    mutating func expect(magic: StaticString, version: UInt8, of kind: String) throws(StateRestoreError) {
        let expected = magic.withUTF8Buffer { Array($0) }
        for byte in expected {
            guard try readUInt8("\(kind) magic") == byte else {
                throw StateRestoreError("not a \(kind) snapshot (bad magic)")
            }
        }
        let foundVersion = try readUInt8("\(kind) format version")
        guard foundVersion == version else {
            throw StateRestoreError(
                "\(kind) snapshot has format version \(foundVersion); this build reads only version \(version)")
        }
    }

    mutating func readUInt8(_ what: String) throws(StateRestoreError) -> UInt8 {
        try read { reader throws(SketchDecodingError) in try reader.readUInt8(what) }
    }

    mutating func readUInt64(_ what: String) throws(StateRestoreError) -> UInt64 {
        try read { reader throws(SketchDecodingError) in try reader.readUInt64(what) }
    }

    mutating func readInt64(_ what: String) throws(StateRestoreError) -> Int64 {
        Int64(bitPattern: try readUInt64(what))
    }

    /// Reads an integer within `range`, so a corrupt count cannot trigger a huge allocation.
    mutating func readInt(_ what: String, in range: ClosedRange<Int>) throws(StateRestoreError) -> Int {
        let value = try readInt64(what)
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw StateRestoreError("\(what) is \(value), expected \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(value)
    }

    mutating func readDouble(_ what: String) throws(StateRestoreError) -> Double {
        try read { reader throws(SketchDecodingError) in try reader.readDouble(what) }
    }

    mutating func readFiniteDouble(_ what: String) throws(StateRestoreError) -> Double {
        let value = try readDouble(what)
        guard value.isFinite else { throw StateRestoreError("\(what) is \(value), expected a finite number") }
        return value
    }

    mutating func readBool(_ what: String) throws(StateRestoreError) -> Bool {
        try read { reader throws(SketchDecodingError) in try reader.readBool(what) }
    }

    /// Reads bytes that `ByteWriter.write(bytes:)` wrote, at most `max` of them.
    mutating func readLengthPrefixed(_ what: String, max: Int) throws(StateRestoreError) -> [UInt8] {
        try read { reader throws(SketchDecodingError) in try reader.readBytes("length of \(what)", max: max) }
    }

    func expectEnd(of kind: String) throws(StateRestoreError) {
        guard reader.isAtEnd else {
            throw StateRestoreError("\(count - reader.offset) unexpected trailing bytes after the \(kind) snapshot")
        }
    }
}
