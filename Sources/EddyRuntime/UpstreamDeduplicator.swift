public import EddyKafka

/// Where a repartitioned record came from: its source topic partition and offset, carried in the
/// headers `eddy-up-partition` and `eddy-up-offset` (decimal text, so `kcat -f '%h'` shows them).
public struct UpstreamPosition: Sendable, Hashable {
    public static let partitionHeader = "eddy-up-partition"
    public static let offsetHeader = "eddy-up-offset"

    public var partition: Int32
    public var offset: Int64

    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// Reads both headers; nil when either is missing or not a decimal number (a record that did
    /// not come through a `RepartitionStage`).
    public init?(headers: [KafkaHeader]) {
        var partition: Int64?
        var offset: Int64?
        for header in headers {
            if header.key == Self.partitionHeader { partition = header.value.flatMap(Self.decimal) }
            if header.key == Self.offsetHeader { offset = header.value.flatMap(Self.decimal) }
        }
        guard let partition, let offset, let narrow = Int32(exactly: partition) else { return nil }
        self.init(partition: narrow, offset: offset)
    }

    /// Reads both headers of a consumed message without copying them (the per-record path of a
    /// task reading a repartition topic); nil when either is missing or not a decimal number.
    @inline(__always)
    public init?(message: KafkaMessage) {
        guard let partitionBytes = message.header("eddy-up-partition"), let offsetBytes = message.header("eddy-up-offset"),
              let partition = Self.decimal(partitionBytes), let offset = Self.decimal(offsetBytes),
              let narrow = Int32(exactly: partition) else { return nil }
        self.init(partition: narrow, offset: offset)
    }

    static func decimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 19 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = next
        }
        return value
    }
}

/// Removes the duplicates an at-least-once `RepartitionStage` writes after a crash.
///
/// The stage commits a source offset only after the records before it are delivered, so after a
/// crash it produces again, in the same order, what it had produced since its last commit. Each
/// repartition partition therefore receives, from each upstream partition, offsets that only rise
/// except for such replays: a record whose upstream offset is at or below the highest already seen
/// on the same *lane* (repartition partition, upstream partition) is a duplicate and is skipped.
///
/// The lane includes the repartition partition because a task that reads several of them sees
/// their records interleaved in any order; within one partition the order is the producer's.
/// Use one deduplicator per repartition topic. Its state belongs in the task's checkpoint, next to
/// the engine's: `snapshot()` and `restore(from:)`.
public struct UpstreamDeduplicator: Sendable, Equatable {
    struct Lane: Hashable {
        var partition: Int32
        var upstreamPartition: Int32
    }

    private var highest: [Lane: Int64] = [:]
    /// Records skipped as duplicates since creation (not part of the snapshot).
    public private(set) var duplicates = 0

    public init() {}

    /// Whether to process a record read from repartition `partition` with upstream position
    /// `upstream`; false for a replayed duplicate. Remembers the position when true.
    public mutating func admit(partition: Int32, upstream: UpstreamPosition) -> Bool {
        let lane = Lane(partition: partition, upstreamPartition: upstream.partition)
        if let seen = highest[lane], upstream.offset <= seen {
            duplicates += 1
            return false
        }
        highest[lane] = upstream.offset
        return true
    }

    /// `admit(partition:upstream:)` for a consumed repartition record; a record without upstream
    /// headers (not written by a `RepartitionStage`) is always admitted. Reads the headers with
    /// `KafkaMessage.header(_:)`, which copies nothing.
    public mutating func admit(_ message: KafkaMessage) -> Bool {
        guard let upstream = UpstreamPosition(message: message) else { return true }
        return admit(partition: message.partition, upstream: upstream)
    }

    /// `admit(_:)` for an owned record.
    public mutating func admit(_ record: KafkaRecord) -> Bool {
        guard let upstream = UpstreamPosition(headers: record.headers) else { return true }
        return admit(partition: record.partition, upstream: upstream)
    }

    /// The highest upstream offset seen on a lane.
    public func highestOffset(partition: Int32, upstreamPartition: Int32) -> Int64? {
        highest[Lane(partition: partition, upstreamPartition: upstreamPartition)]
    }

    public var laneCount: Int { highest.count }

    public static func == (lhs: UpstreamDeduplicator, rhs: UpstreamDeduplicator) -> Bool { lhs.highest == rhs.highest }

    // MARK: Snapshot

    static let magic: [UInt8] = Array("EDUP".utf8)
    static let version: UInt8 = 1

    /// Versioned little-endian bytes: "EDUP", version, lane count (UInt32), then per lane (sorted,
    /// so equal states give equal bytes) partition (Int32), upstream partition (Int32), offset (Int64).
    public func snapshot() -> [UInt8] {
        var bytes = Self.magic + [Self.version]
        append(UInt32(highest.count), to: &bytes)
        for (lane, offset) in highest.sorted(by: { ($0.key.partition, $0.key.upstreamPartition) < ($1.key.partition, $1.key.upstreamPartition) }) {
            append(UInt32(bitPattern: lane.partition), to: &bytes)
            append(UInt32(bitPattern: lane.upstreamPartition), to: &bytes)
            append(UInt64(bitPattern: offset), to: &bytes)
        }
        return bytes
    }

    /// Replaces the state with a snapshot's. Throws on another format, version or a truncated payload.
    public mutating func restore(from bytes: [UInt8]) throws(RepartitionError) {
        guard bytes.count >= 9, Array(bytes[0..<4]) == Self.magic else {
            throw RepartitionError("not an upstream deduplicator snapshot")
        }
        guard bytes[4] == Self.version else {
            throw RepartitionError("upstream deduplicator snapshot version \(bytes[4]) is not supported (this build reads version \(Self.version))")
        }
        var cursor = 5
        let count = Int(read(UInt32.self, bytes, &cursor))
        guard bytes.count == 9 + count * 16 else {
            throw RepartitionError("upstream deduplicator snapshot is \(bytes.count) bytes, expected \(9 + count * 16) for \(count) lanes")
        }
        var restored: [Lane: Int64] = [:]
        for _ in 0..<count {
            let partition = Int32(bitPattern: read(UInt32.self, bytes, &cursor))
            let upstream = Int32(bitPattern: read(UInt32.self, bytes, &cursor))
            restored[Lane(partition: partition, upstreamPartition: upstream)] = Int64(bitPattern: read(UInt64.self, bytes, &cursor))
        }
        highest = restored
    }

    private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ cursor: inout Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size { value |= T(bytes[cursor + index]) << (8 * index) }
        cursor += MemoryLayout<T>.size
        return value
    }
}
