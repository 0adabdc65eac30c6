/// Snapshot formats of `AdaptiveThreshold` and `KeyedAdaptiveThresholds` (version 1, little-endian).
///
/// Single: `"ATHR"`, version, configuration, state. Keyed: `"KATH"`, version, configuration,
/// maximumKeys, evictions, key count, then each key (length-prefixed bytes) and its state, least
/// recently seen first, so restoring re-creates the same recency order and evicts the same keys next.
extension AdaptiveThreshold {
    static let formatVersion: UInt8 = 1

    /// The detector's complete state; `init(snapshot:)` continues exactly where this one stands.
    public func snapshot() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 96)
        writer.write(magic: "ATHR")
        writer.write(Self.formatVersion)
        configuration.write(to: &writer)
        state.write(to: &writer)
        return writer.bytes
    }

    public init(snapshot bytes: [UInt8]) throws(StateRestoreError) {
        var reader = AlertSnapshotReader(bytes)
        try reader.expect(magic: "ATHR", version: Self.formatVersion, of: "adaptive threshold")
        let configuration = try AdaptiveThresholdConfiguration(reading: &reader)
        do {
            try self.init(configuration: configuration)
        } catch {
            throw StateRestoreError("snapshot holds an invalid configuration: \(error.reason)")
        }
        state = try AdaptiveThresholdState(reading: &reader)
        try reader.expectEnd(of: "adaptive threshold")
    }
}

extension KeyedAdaptiveThresholds where Key: AlertStateKey {
    public func snapshot() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + slots.count * 64)
        writer.write(magic: "KATH")
        writer.write(AdaptiveThreshold.formatVersion)
        configuration.write(to: &writer)
        writer.write(maximumKeys)
        writer.write(slots.evictionCount)
        writer.write(slots.count)
        slots.forEachSlotOldestFirst { slot in
            writer.write(bytes: slots.keys[slot].snapshotBytes)
            slots.values[slot].write(to: &writer)
        }
        return writer.bytes
    }

    public init(snapshot bytes: [UInt8]) throws(StateRestoreError) {
        var reader = AlertSnapshotReader(bytes)
        try reader.expect(magic: "KATH", version: AdaptiveThreshold.formatVersion, of: "keyed adaptive thresholds")
        let configuration = try AdaptiveThresholdConfiguration(reading: &reader)
        let maximumKeys = try reader.readInt("maximumKeys", in: 1...Self.keyLimit)
        do {
            try self.init(configuration: configuration, maximumKeys: maximumKeys)
        } catch {
            throw StateRestoreError("snapshot holds an invalid configuration: \(error.reason)")
        }
        let evictions = try reader.readUInt64("eviction count")
        let count = try reader.readInt("key count", in: 0...maximumKeys)
        for _ in 0..<count {
            let key = try Key(snapshotBytes: try reader.readLengthPrefixed("key", max: 1 << 20))
            let state = try AdaptiveThresholdState(reading: &reader)
            guard slots.slot(of: key) == nil else { throw StateRestoreError("key appears twice in the snapshot") }
            let slot = slots.touch(key) { state }.slot
            slots.values[slot] = state
        }
        slots.restoreEvictionCount(evictions)
        try reader.expectEnd(of: "keyed adaptive thresholds")
    }
}

extension AdaptiveThresholdConfiguration {
    func write(to writer: inout ByteWriter) {
        writer.write(k)
        writer.write(warmUpObservations)
        writer.write(halfLife)
        writer.write(tail.rawValue)
        writer.write(minimumStandardDeviation)
    }

    init(reading reader: inout AlertSnapshotReader) throws(StateRestoreError) {
        let k = try reader.readDouble("k")
        let warmUp = try reader.readInt("warmUpObservations", in: 0...Int(Int32.max))
        let halfLife = try reader.readDouble("halfLife")
        let tailByte = try reader.readUInt8("tail")
        guard let tail = Tail(rawValue: tailByte) else { throw StateRestoreError("tail has unknown code \(tailByte)") }
        let floor = try reader.readDouble("minimumStandardDeviation")
        self.init(k: k, warmUpObservations: warmUp, halfLife: halfLife, tail: tail, minimumStandardDeviation: floor)
    }
}

extension AdaptiveThresholdState {
    func write(to writer: inout ByteWriter) {
        writer.write(count)
        writer.write(mean)
        writer.write(variance)
        writer.write(anomalies)
        writer.write(nonFinite)
    }

    init(reading reader: inout AlertSnapshotReader) throws(StateRestoreError) {
        let limit = Int(Int64.max)
        count = try reader.readInt("observation count", in: 0...limit)
        mean = try reader.readFiniteDouble("mean")
        variance = try reader.readFiniteDouble("variance")
        guard variance >= 0 else { throw StateRestoreError("variance is \(variance), expected ≥ 0") }
        anomalies = try reader.readInt("anomaly count", in: 0...limit)
        nonFinite = try reader.readInt("non-finite count", in: 0...limit)
    }
}
