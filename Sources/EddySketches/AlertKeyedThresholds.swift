/// One `AdaptiveThreshold` baseline per key (per product category, per sensor...), bounded in keys.
///
/// Every key shares one configuration. At most `maximumKeys` baselines are kept; a new key beyond that
/// evicts the least recently seen one, which is counted in `evictedKeyCount` (an evicted key that comes
/// back starts a fresh warm-up, which errs toward silence rather than toward false alerts). Observing a
/// key that is already present allocates nothing.
public struct KeyedAdaptiveThresholds<Key: Hashable> {
    public let configuration: AdaptiveThresholdConfiguration
    public let maximumKeys: Int
    let decayWeight: Double
    var slots: AlertKeyedSlots<Key, AdaptiveThresholdState>

    public init(
        configuration: AdaptiveThresholdConfiguration = AdaptiveThresholdConfiguration(),
        maximumKeys: Int = 10_000
    ) throws(AlertConfigurationError) {
        try configuration.validate()
        guard maximumKeys > 0, maximumKeys <= KeyedAdaptiveThresholds.keyLimit else {
            throw AlertConfigurationError("maximumKeys is \(maximumKeys), expected 1...\(KeyedAdaptiveThresholds.keyLimit)")
        }
        self.configuration = configuration
        self.maximumKeys = maximumKeys
        decayWeight = configuration.decayWeight
        slots = AlertKeyedSlots(capacity: maximumKeys)
    }

    /// A sanity bound that also caps what a corrupt snapshot can make us allocate.
    static var keyLimit: Int { 10_000_000 }

    /// Judges `score` against the baseline of `key` (creating it if new), then folds it in.
    public mutating func observe(_ score: Double, for key: Key) -> ThresholdDecision {
        let slot = slots.touch(key) { AdaptiveThresholdState() }.slot
        return slots.values[slot].observe(score, configuration, decayWeight: decayWeight)
    }

    /// Forgets `key`'s baseline (an idle key whose state its owner expires); a later score of it
    /// starts a fresh warm-up. Returns whether it had one.
    @discardableResult
    public mutating func remove(_ key: Key) -> Bool {
        slots.remove(key) != nil
    }

    /// Whether adding a new key now would evict the least recently seen one.
    public var isFull: Bool { slots.count >= maximumKeys }

    /// Whether `key` has a baseline.
    public func contains(_ key: Key) -> Bool { slots.slot(of: key) != nil }

    /// The number of keys with a baseline.
    public var keyCount: Int { slots.count }
    /// Keys dropped to stay within `maximumKeys`.
    public var evictedKeyCount: UInt64 { slots.evictionCount }

    /// The current baseline of `key` as a standalone detector (a copy), or nil if the key is unknown.
    public func threshold(for key: Key) -> AdaptiveThreshold? {
        guard let slot = slots.slot(of: key), var single = try? AdaptiveThreshold(configuration: configuration) else {
            return nil
        }
        single.state = slots.values[slot]
        return single
    }
}

extension KeyedAdaptiveThresholds: Sendable where Key: Sendable {}
