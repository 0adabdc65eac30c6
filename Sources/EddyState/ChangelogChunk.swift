/// One keyed message of a changelog topic: a snapshot chunk, or a tombstone (`value == nil`) that
/// retires an older snapshot's chunk so compaction can delete it.
public struct ChangelogMessage: Sendable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// One chunk of a snapshot, as carried in a changelog message value (format version 1, little-endian):
///
/// ```
/// magic "EDDYCHNK" (8) | version u16 | reserved u16 (0) | scope str | checkpoint id u64
/// | chunk index u32 | chunk count u32 | snapshot length u64 | snapshot crc32c u32
/// | payload length u32 | payload crc32c u32 | payload
/// ```
/// The key is `<scope>~<checkpoint id, 20 digits>~<chunk index, 6 digits>`: unique per snapshot, so a
/// new snapshot never overwrites an older one under compaction before it is complete.
public struct ChangelogChunk: Sendable, Hashable {
    public static let magic: [UInt8] = Array("EDDYCHNK".utf8)
    public static let version: UInt16 = 1

    public var scope: String
    public var checkpointID: UInt64
    public var index: Int
    public var count: Int
    public var snapshotLength: UInt64
    public var snapshotCRC: UInt32
    public var payload: ArraySlice<UInt8>

    /// Bytes the value takes besides the payload.
    static func headerLength(scope: String) -> Int { 8 + 2 + 2 + 4 + scope.utf8.count + 8 + 4 + 4 + 8 + 4 + 4 + 4 }

    public static func key(scope: String, checkpointID: UInt64, index: Int) -> [UInt8] {
        let id = String(checkpointID), position = String(index)
        let text = "\(scope)~\(String(repeating: "0", count: 20 - id.count))\(id)~\(String(repeating: "0", count: max(0, 6 - position.count)))\(position)"
        return Array(text.utf8)
    }

    /// `(scope, checkpoint id, index)` of a chunk key; nil if the key isn't one.
    static func parseKey(_ key: [UInt8]) -> (scope: String, checkpointID: UInt64, index: Int)? {
        guard let text = String(validating: key, as: UTF8.self) else { return nil }
        let parts = text.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let id = UInt64(parts[1]), let index = Int(parts[2]) else { return nil }
        return (String(parts[0]), id, index)
    }

    func encode() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: Self.headerLength(scope: scope) + payload.count)
        writer.append(raw: Self.magic)
        writer.append(Self.version)
        writer.append(UInt16(0))
        writer.append(string: scope)
        writer.append(checkpointID)
        writer.append(UInt32(index))
        writer.append(UInt32(count))
        writer.append(snapshotLength)
        writer.append(snapshotCRC)
        writer.append(UInt32(payload.count))
        writer.append(payload.withUnsafeBytes { CRC32C.checksum($0) })
        writer.bytes.append(contentsOf: payload)
        return writer.bytes
    }

    /// Parses and verifies one chunk value.
    static func decode(_ value: [UInt8], source: String) throws(CheckpointError) -> ChangelogChunk {
        func failure(_ kind: CheckpointError.Kind, _ reason: String) -> CheckpointError {
            CheckpointError(kind: kind, message: "changelog chunk \(source): \(reason)")
        }
        guard value.starts(with: magic) else { throw failure(.notACheckpoint, "not an Eddy snapshot chunk (wrong magic bytes)") }
        var reader = ByteReader(value, from: magic.count)
        guard let version = reader.read(UInt16.self), let reserved = reader.read(UInt16.self) else {
            throw failure(.truncated, "ends inside its header")
        }
        guard version == Self.version else {
            throw failure(.unsupportedVersion, "chunk format version \(version), but this build reads only version \(Self.version)")
        }
        guard reserved == 0, let scope = reader.readString(), let id = reader.read(UInt64.self),
              let index = reader.read(UInt32.self), let count = reader.read(UInt32.self),
              let length = reader.read(UInt64.self), let snapshotCRC = reader.read(UInt32.self),
              let payloadLength = reader.read(UInt32.self), let payloadCRC = reader.read(UInt32.self)
        else { throw failure(.truncated, "ends inside its header") }
        guard let payload = reader.read(count: Int(payloadLength)) else {
            throw failure(.truncated, "payload is shorter than its declared \(payloadLength) bytes")
        }
        guard reader.remaining == 0 else { throw failure(.corrupt, "\(reader.remaining) unexpected bytes after the payload") }
        guard count > 0, index < count else { throw failure(.corrupt, "chunk index \(index) is outside its count \(count)") }
        guard payload.withUnsafeBytes({ CRC32C.checksum($0) }) == payloadCRC else { throw failure(.corrupt, "payload fails its checksum") }
        return ChangelogChunk(
            scope: scope, checkpointID: id, index: Int(index), count: Int(count),
            snapshotLength: length, snapshotCRC: snapshotCRC, payload: payload
        )
    }
}
