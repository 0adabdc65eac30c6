/// The checkpoint file format, version 1 (little-endian):
///
/// ```
/// magic "EDDYCKPT" (8) | version u16 | reserved u16 (0) | header length u32 (N)
/// header (N bytes): scope str | fingerprint str | id u64 | created ms i64
///                   | offset count u32 | { topic str | partition i32 | next offset i64 }*
///                   | state count u32  | { name str | length u64 | crc32c u32 }*
/// header crc32c u32 (of everything before it)
/// state bytes, concatenated in header order; the file ends right after them
/// ```
/// `str` is a u32 byte length and UTF-8. Only the magic and the version are promised to stay where
/// they are in later versions, so a reader checks the version before anything else and refuses
/// versions it doesn't know instead of misreading them. Every byte is covered by a checksum, and the
/// exact length is known from the header, so truncation and damage are detected, never restored.
public enum CheckpointFormat {
    public static let magic: [UInt8] = Array("EDDYCKPT".utf8)
    public static let version: UInt16 = 1
    static let fixedPrefixLength = 16

    /// Serializes `checkpoint`. Fails on duplicate operator names or partitions, or a bad scope.
    public static func encode(_ checkpoint: Checkpoint) throws(CheckpointError) -> [UInt8] {
        try Checkpoint.validateName(checkpoint.scope, what: "checkpoint scope")
        var seenNames = Set<String>()
        for state in checkpoint.operatorStates where !seenNames.insert(state.name).inserted {
            throw CheckpointError(kind: .invalidArgument, message: "operator state '\(state.name)' appears twice in checkpoint \(checkpoint.id)")
        }
        var seenPartitions = Set<String>()
        for offset in checkpoint.inputOffsets where !seenPartitions.insert("\(offset.topic)\u{0}\(offset.partition)").inserted {
            throw CheckpointError(kind: .invalidArgument, message: "input partition \(offset.topic)[\(offset.partition)] appears twice in checkpoint \(checkpoint.id)")
        }

        var writer = ByteWriter(reservingCapacity: 256 + checkpoint.stateBytes)
        writer.append(raw: magic)
        writer.append(version)
        writer.append(UInt16(0))
        let headerLengthOffset = writer.bytes.count
        writer.append(UInt32(0))
        writer.append(string: checkpoint.scope)
        writer.append(string: checkpoint.topologyFingerprint)
        writer.append(checkpoint.id)
        writer.append(checkpoint.createdAtMillis)
        writer.append(UInt32(checkpoint.inputOffsets.count))
        for offset in checkpoint.inputOffsets {
            writer.append(string: offset.topic)
            writer.append(offset.partition)
            writer.append(offset.nextOffset)
        }
        writer.append(UInt32(checkpoint.operatorStates.count))
        for state in checkpoint.operatorStates {
            writer.append(string: state.name)
            writer.append(UInt64(state.bytes.count))
            writer.append(CRC32C.checksum(state.bytes))
        }
        writer.patch(UInt32(writer.bytes.count - fixedPrefixLength), at: headerLengthOffset)
        writer.append(CRC32C.checksum(writer.bytes))
        for state in checkpoint.operatorStates { writer.append(raw: state.bytes) }
        return writer.bytes
    }

    /// Parses and verifies a checkpoint. `source` names the bytes in error messages (e.g. a path).
    public static func decode(_ bytes: [UInt8], source: String = "checkpoint") throws(CheckpointError) -> Checkpoint {
        func failure(_ kind: CheckpointError.Kind, _ reason: String) -> CheckpointError {
            CheckpointError(kind: kind, message: "\(source): \(reason)")
        }
        let available = min(bytes.count, magic.count)
        guard bytes[0..<available].elementsEqual(magic[0..<available]) else {
            throw failure(.notACheckpoint, "not an Eddy checkpoint (wrong magic bytes)")
        }
        var reader = ByteReader(bytes, from: magic.count)
        guard let version = reader.read(UInt16.self), let reserved = reader.read(UInt16.self),
              let headerLength = reader.read(UInt32.self)
        else { throw failure(.truncated, "file ends inside the fixed header (\(bytes.count) bytes)") }
        guard version == Self.version else {
            throw failure(.unsupportedVersion, """
                checkpoint format version \(version), but this build reads only version \(Self.version); \
                restore it with the Eddy version that wrote it, or start without state (remove the checkpoints)
                """)
        }
        guard reserved == 0 else { throw failure(.corrupt, "reserved header field is \(reserved), expected 0") }
        let headerEnd = fixedPrefixLength + Int(headerLength)
        guard bytes.count >= headerEnd + 4 else {
            throw failure(.truncated, "file ends inside the header (\(bytes.count) of at least \(headerEnd + 4) bytes)")
        }
        var crcReader = ByteReader(bytes, from: headerEnd)
        let storedCRC = crcReader.read(UInt32.self)!
        let actualCRC = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<headerEnd])) }
        guard storedCRC == actualCRC else { throw failure(.corrupt, "header checksum mismatch") }

        var header = ByteReader(bytes, from: fixedPrefixLength, to: headerEnd)
        let malformed = failure(.corrupt, "header fields are inconsistent with its length")
        guard let scope = header.readString(), let fingerprint = header.readString(),
              let id = header.read(UInt64.self), let created = header.read(Int64.self),
              let offsetCount = header.read(UInt32.self)
        else { throw malformed }
        var offsets: [InputOffset] = []
        for _ in 0..<offsetCount {
            guard let topic = header.readString(), let partition = header.read(Int32.self), let next = header.read(Int64.self)
            else { throw malformed }
            offsets.append(InputOffset(topic: topic, partition: partition, nextOffset: next))
        }
        guard let stateCount = header.read(UInt32.self) else { throw malformed }
        var directory: [(name: String, length: UInt64, crc: UInt32)] = []
        for _ in 0..<stateCount {
            guard let name = header.readString(), let length = header.read(UInt64.self), let crc = header.read(UInt32.self)
            else { throw malformed }
            directory.append((name, length, crc))
        }
        guard header.remaining == 0 else { throw malformed }

        var body = headerEnd + 4
        let present = UInt64(bytes.count - body)
        var declared: UInt64 = 0
        for entry in directory {
            let (sum, overflow) = declared.addingReportingOverflow(entry.length)
            guard !overflow, sum <= UInt64(Int.max) else { throw malformed }
            declared = sum
        }
        guard declared <= present else {
            throw failure(.truncated, "state data is \(present) bytes but the header declares \(declared); the file is incomplete")
        }
        guard declared == present else {
            throw failure(.corrupt, "\(present - declared) unexpected bytes after the state data")
        }
        var states: [OperatorState] = []
        states.reserveCapacity(directory.count)
        for entry in directory {
            let range = body..<body + Int(entry.length)
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
            guard crc == entry.crc else { throw failure(.corrupt, "state of operator '\(entry.name)' fails its checksum") }
            states.append(OperatorState(name: entry.name, bytes: Array(bytes[range])))
            body = range.upperBound
        }
        return Checkpoint(
            scope: scope, topologyFingerprint: fingerprint, id: id, createdAtMillis: created,
            inputOffsets: offsets, operatorStates: states
        )
    }

    /// `decode`, then checks that the checkpoint belongs to `fingerprint`'s topology.
    public static func decode(_ bytes: [UInt8], source: String = "checkpoint", expecting fingerprint: String) throws(CheckpointError) -> Checkpoint {
        let checkpoint = try decode(bytes, source: source)
        guard checkpoint.topologyFingerprint == fingerprint else {
            throw CheckpointError(kind: .fingerprintMismatch, message: """
                \(source): written by topology \(checkpoint.topologyFingerprint), but the running topology is \(fingerprint); \
                its state cannot be restored into a changed topology: use a new state directory, or remove the old checkpoints to start fresh
                """)
        }
        return checkpoint
    }
}
