/// A key whose per-key alert state can be written into a snapshot and read back.
///
/// Keyed containers are generic over the caller's key type (a category string, a composite group key...),
/// so the key itself says how it becomes bytes. The encoding must be deterministic and injective.
public protocol AlertStateKey: Hashable {
    /// The key's bytes; `init(snapshotBytes:)` must rebuild an equal key from them.
    var snapshotBytes: [UInt8] { get }
    init(snapshotBytes: [UInt8]) throws(StateRestoreError)
}

extension String: AlertStateKey {
    public var snapshotBytes: [UInt8] { Array(utf8) }

    public init(snapshotBytes: [UInt8]) throws(StateRestoreError) {
        let text = String(decoding: snapshotBytes, as: UTF8.self)
        guard text.utf8.elementsEqual(snapshotBytes) else {
            throw StateRestoreError("a string key is not valid UTF-8")
        }
        self = text
    }
}

extension Int64: AlertStateKey {
    public var snapshotBytes: [UInt8] {
        withUnsafeBytes(of: littleEndian) { Array($0) }
    }

    public init(snapshotBytes: [UInt8]) throws(StateRestoreError) {
        guard snapshotBytes.count == 8 else {
            throw StateRestoreError("an integer key has \(snapshotBytes.count) bytes, expected 8")
        }
        var value: UInt64 = 0
        for (shift, byte) in snapshotBytes.enumerated() { value |= UInt64(byte) << (8 * shift) }
        self = Int64(bitPattern: value)
    }
}

extension Int: AlertStateKey {
    public var snapshotBytes: [UInt8] { Int64(self).snapshotBytes }

    public init(snapshotBytes: [UInt8]) throws(StateRestoreError) {
        let wide = try Int64(snapshotBytes: snapshotBytes)
        guard let narrow = Int(exactly: wide) else {
            throw StateRestoreError("integer key \(wide) does not fit this platform's Int")
        }
        self = narrow
    }
}

extension UInt64: AlertStateKey {
    public var snapshotBytes: [UInt8] { Int64(bitPattern: self).snapshotBytes }

    public init(snapshotBytes: [UInt8]) throws(StateRestoreError) {
        self = UInt64(bitPattern: try Int64(snapshotBytes: snapshotBytes))
    }
}
