/// One Random Cut Forest per group key (for example per product category): KDA's RANDOM_CUT_FOREST
/// scores a whole stream with one forest, so a stream mixing populations with different normal
/// ranges drowns each one's anomalies in the others' variance. Keeping a forest per key fixes that.
///
/// Each key's forest is seeded from the configuration's seed and a stable hash of the key, so the
/// scores do not depend on the order in which keys first appear. A forest of 100 trees × 256 samples
/// takes about 1.7 MB + 0.8 MB per extra dimension, hence the bound on the number of keys.
public struct KeyedRandomCutForests: Sendable {
    public let configuration: ForestConfiguration
    public let maximumKeys: Int
    public private(set) var forests: [String: RandomCutForest] = [:]

    /// Why a record for a new key was refused.
    public struct KeyLimitError: Error, Equatable, CustomStringConvertible, Sendable {
        public let key: String
        public let maximumKeys: Int
        public var description: String {
            "RANDOM_CUT_FOREST: group key '\(key)' would exceed the limit of \(maximumKeys) forests"
        }
    }

    public init(configuration: ForestConfiguration, maximumKeys: Int = 1000) throws(SketchConfigurationError) {
        try configuration.validate()
        guard maximumKeys >= 1 else { throw SketchConfigurationError("maximumKeys \(maximumKeys) must be ≥ 1") }
        self.configuration = configuration
        self.maximumKeys = maximumKeys
    }

    /// Scores the record against its key's forest, then learns from it (0 until that forest is ready).
    public mutating func process(key: String, record: [Double]) throws -> Double {
        if forests[key] == nil {
            guard forests.count < maximumKeys else { throw KeyLimitError(key: key, maximumKeys: maximumKeys) }
            var keyed = configuration
            keyed.seed = configuration.seed ^ StableHash64.hash(key)
            forests[key] = try RandomCutForest(configuration: keyed)
        }
        return try forests[key]!.process(record)
    }

    /// Scores, explains and learns, for RANDOM_CUT_FOREST_WITH_EXPLANATION per key.
    public mutating func processWithAttribution(key: String, record: [Double]) throws -> (score: Double, attribution: DiVector) {
        if forests[key] == nil {
            guard forests.count < maximumKeys else { throw KeyLimitError(key: key, maximumKeys: maximumKeys) }
            var keyed = configuration
            keyed.seed = configuration.seed ^ StableHash64.hash(key)
            forests[key] = try RandomCutForest(configuration: keyed)
        }
        return try forests[key]!.processWithAttribution(record)
    }
}
