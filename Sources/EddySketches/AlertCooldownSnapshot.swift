/// Snapshot formats of `AlertCooldown` and `KeyedAlertCooldowns` (version 1, little-endian).
///
/// Single: `"ACDN"`, version, cooldown, state. Keyed: `"KACD"`, version, cooldown, maximumKeys,
/// evictions, lost follow-ups, lost suppressed anomalies, key count, then each key and its state,
/// least recently seen first.
extension AlertCooldown {
    static let formatVersion: UInt8 = 1

    public func snapshot() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64)
        writer.write(magic: "ACDN")
        writer.write(Self.formatVersion)
        writer.write(cooldownMilliseconds)
        state.write(to: &writer)
        return writer.bytes
    }

    public init(snapshot bytes: [UInt8]) throws(StateRestoreError) {
        var reader = AlertSnapshotReader(bytes)
        try reader.expect(magic: "ACDN", version: Self.formatVersion, of: "alert cool-down")
        let cooldown = try reader.readInt64("cooldownMilliseconds")
        do {
            try self.init(cooldownMilliseconds: cooldown)
        } catch {
            throw StateRestoreError("snapshot holds an invalid configuration: \(error.reason)")
        }
        state = try AlertCooldownState(reading: &reader)
        try reader.expectEnd(of: "alert cool-down")
    }
}

extension KeyedAlertCooldowns where Key: AlertStateKey {
    public func snapshot() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + slots.count * 64)
        writer.write(magic: "KACD")
        writer.write(AlertCooldown.formatVersion)
        writer.write(cooldownMilliseconds)
        writer.write(maximumKeys)
        writer.write(slots.evictionCount)
        writer.write(lostFollowUpCount)
        writer.write(lostSuppressedCount)
        writer.write(slots.count)
        slots.forEachSlotOldestFirst { slot in
            writer.write(bytes: slots.keys[slot].snapshotBytes)
            slots.values[slot].write(to: &writer)
        }
        return writer.bytes
    }

    public init(snapshot bytes: [UInt8]) throws(StateRestoreError) {
        var reader = AlertSnapshotReader(bytes)
        try reader.expect(magic: "KACD", version: AlertCooldown.formatVersion, of: "keyed alert cool-downs")
        let cooldown = try reader.readInt64("cooldownMilliseconds")
        let maximumKeys = try reader.readInt("maximumKeys", in: 1...Self.keyLimit)
        do {
            try self.init(cooldownMilliseconds: cooldown, maximumKeys: maximumKeys)
        } catch {
            throw StateRestoreError("snapshot holds an invalid configuration: \(error.reason)")
        }
        let evictions = try reader.readUInt64("eviction count")
        lostFollowUpCount = try reader.readUInt64("lost follow-up count")
        lostSuppressedCount = try reader.readUInt64("lost suppressed count")
        let count = try reader.readInt("key count", in: 0...maximumKeys)
        for _ in 0..<count {
            let key = try Key(snapshotBytes: try reader.readLengthPrefixed("key", max: 1 << 20))
            let state = try AlertCooldownState(reading: &reader)
            guard slots.slot(of: key) == nil else { throw StateRestoreError("key appears twice in the snapshot") }
            let slot = slots.touch(key) { state }.slot
            slots.values[slot] = state
            if state.active { earliestEnd = min(earliestEnd, state.endsAt) }
        }
        slots.restoreEvictionCount(evictions)
        try reader.expectEnd(of: "keyed alert cool-downs")
    }
}

extension AlertCooldownState {
    func write(to writer: inout ByteWriter) {
        writer.write(active)
        writer.write(raisedAt)
        writer.write(endsAt)
        writer.write(suppressed)
        writer.write(lastSuppressedAt)
    }

    init(reading reader: inout AlertSnapshotReader) throws(StateRestoreError) {
        active = try reader.readBool("active")
        raisedAt = try reader.readInt64("raisedAt")
        endsAt = try reader.readInt64("endsAt")
        suppressed = try reader.readInt("suppressed count", in: 0...Int(Int64.max))
        lastSuppressedAt = try reader.readInt64("lastSuppressedAt")
        guard active || suppressed == 0 else {
            throw StateRestoreError("an inactive cool-down holds \(suppressed) suppressed anomalies")
        }
        guard endsAt >= raisedAt else { throw StateRestoreError("cool-down ends at \(endsAt), before it began at \(raisedAt)") }
    }
}
