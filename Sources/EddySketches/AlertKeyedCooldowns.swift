/// One `AlertCooldown` per key, bounded in keys, sharing one cool-down duration.
///
/// A key gets state only when it first has an anomaly, so quiet keys cost nothing. Beyond
/// `maximumKeys`, the least recently seen key is evicted and counted; if it still held suppressed
/// anomalies, its lost follow-up is counted too (`lostFollowUpCount`, `lostSuppressedCount`), so nothing
/// disappears unaccounted. Calling `advance(to:)` on every watermark flushes finished cool-downs long
/// before eviction could reach them.
///
/// `advance(to:)` only scans the keys when the watermark has reached the earliest open cool-down end,
/// so watermarks that end nothing cost O(1).
public struct KeyedAlertCooldowns<Key: Hashable> {
    public let cooldownMilliseconds: Int64
    public let maximumKeys: Int
    var slots: AlertKeyedSlots<Key, AlertCooldownState>
    /// A lower bound on the end of every open cool-down (Int64.max when none is open).
    var earliestEnd = Int64.max
    public internal(set) var lostFollowUpCount: UInt64 = 0
    public internal(set) var lostSuppressedCount: UInt64 = 0

    public init(cooldownMilliseconds: Int64, maximumKeys: Int = 10_000) throws(AlertConfigurationError) {
        try AlertCooldownState.validate(cooldownMilliseconds)
        guard maximumKeys > 0, maximumKeys <= Self.keyLimit else {
            throw AlertConfigurationError("maximumKeys is \(maximumKeys), expected 1...\(Self.keyLimit)")
        }
        self.cooldownMilliseconds = cooldownMilliseconds
        self.maximumKeys = maximumKeys
        slots = AlertKeyedSlots(capacity: maximumKeys)
    }

    static var keyLimit: Int { 10_000_000 }

    /// Feeds one record's verdict for `key` at its event time (milliseconds).
    public mutating func observe(isAnomalous: Bool, for key: Key, at eventTime: Int64) -> CooldownDecision {
        let slot: Int
        if let existing = slots.slot(of: key) {
            slot = slots.touch(key) { AlertCooldownState() }.slot
            assert(slot == existing)
        } else {
            guard isAnomalous else { return .quiet }
            let touched = slots.touch(key) { AlertCooldownState() }
            if let evicted = touched.evicted, evicted.value.active, evicted.value.suppressed > 0 {
                lostFollowUpCount += 1
                lostSuppressedCount += UInt64(evicted.value.suppressed)
            }
            slot = touched.slot
        }
        let decision = slots.values[slot].observe(
            isAnomalous: isAnomalous, at: eventTime, cooldown: cooldownMilliseconds)
        if slots.values[slot].active { earliestEnd = min(earliestEnd, slots.values[slot].endsAt) }
        return decision
    }

    /// Ends every cool-down that `eventTime` (the watermark) has reached, calling `emit` with each
    /// follow-up, least recently seen key first.
    public mutating func advance(to eventTime: Int64, emit: (Key, AlertFollowUp) -> Void) {
        guard eventTime >= earliestEnd else { return }
        var nextEarliest = Int64.max
        var cursor = slots.oldestSlot
        while let slot = cursor {
            if let followUp = slots.values[slot].advance(to: eventTime) {
                emit(slots.keys[slot], followUp)
            }
            if slots.values[slot].active { nextEarliest = min(nextEarliest, slots.values[slot].endsAt) }
            cursor = slots.slot(newerThan: slot)
        }
        earliestEnd = nextEarliest
    }

    /// Whether `key` is in a cool-down that has not ended (its follow-up is still to come).
    public func isCoolingDown(_ key: Key) -> Bool {
        slots.slot(of: key).map { slots.values[$0].active } ?? false
    }

    /// Whether `key` has cool-down state.
    public func contains(_ key: Key) -> Bool { slots.slot(of: key) != nil }

    /// Forgets `key`'s cool-down state. Refused (returns false) while its cool-down is active, so a
    /// follow-up is never lost this way; true when the key is gone (or was never there).
    @discardableResult
    public mutating func remove(_ key: Key) -> Bool {
        guard !isCoolingDown(key) else { return false }
        slots.remove(key)
        return true
    }

    /// Whether adding a new key now would evict the least recently seen one.
    public var isFull: Bool { slots.count >= maximumKeys }

    /// The number of keys with cool-down state.
    public var keyCount: Int { slots.count }
    /// Keys dropped to stay within `maximumKeys`.
    public var evictedKeyCount: UInt64 { slots.evictionCount }
    /// Anomalies currently held back for `key`.
    public func pendingSuppressedCount(for key: Key) -> Int {
        slots.slot(of: key).map { slots.values[$0].suppressed } ?? 0
    }
}

extension KeyedAlertCooldowns: Sendable where Key: Sendable {}
