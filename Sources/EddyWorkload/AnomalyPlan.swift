/// When and how the review generator injects anomalies, in event time.
///
/// Episode k (k = 1, 2, 3, …) starts at `startEventTime + k × everySeconds`; the kinds rotate
/// rating collapse → message burst → broken schema → rating collapse …, so with the default of
/// 60 s the first collapse starts 60 s into the stream, the first burst at 120 s and the first
/// broken-schema run at 180 s. Downstream detectors (RCF, alerts) can be checked against these
/// known times.
public struct AnomalyPlan: Sendable, Equatable {
    /// Event-time distance between episode starts, in seconds. Must be positive.
    public var everySeconds: Double
    /// How long a rating collapse lasts: every review of the chosen category gets one star and
    /// negative text.
    public var collapseSeconds: Double = 10
    /// How long a burst lasts: during it, each regular record is followed by
    /// `burstMultiplier - 1` spam records from one customer on one product.
    public var burstSeconds: Double = 2
    public var burstMultiplier: Int = 10
    /// How many consecutive records a broken-schema episode replaces (cycling malformed JSON,
    /// missing field, wrong type, invalid UTF-8).
    public var brokenRecordCount: Int = 20

    /// - Precondition: `everySeconds` is finite and positive (callers validate user input).
    public init(everySeconds: Double = 60) {
        precondition(everySeconds.isFinite && everySeconds > 0, "anomaly interval must be a positive number of seconds")
        self.everySeconds = everySeconds
    }

    /// The episode kinds in rotation order.
    public enum EpisodeKind: Sendable, Equatable, CaseIterable {
        case ratingCollapse, burst, brokenSchema
    }

    /// The kind of episode `index` (1-based).
    public static func kind(ofEpisode index: Int) -> EpisodeKind {
        EpisodeKind.allCases[(index - 1) % EpisodeKind.allCases.count]
    }

    /// Where `offsetMillis` (event time since the stream's start) falls: the episode index
    /// (0 before the first episode) and the offset into it.
    func position(atOffsetMillis offsetMillis: Int64) -> (episode: Int, offsetMillis: Int64) {
        let everyMillis = max(1, Int64((everySeconds * 1000).rounded()))
        guard offsetMillis >= 0 else { return (0, offsetMillis) }
        return (Int(offsetMillis / everyMillis), offsetMillis % everyMillis)
    }
}

/// What kind of anomaly a generated record belongs to.
public enum AnomalyKind: Sendable, Hashable, CustomStringConvertible {
    /// A one-star review with negative text, in the category whose ratings collapse.
    case ratingCollapse(category: String)
    /// A spam record of a burst: one customer, one product, many records at nearly the same time.
    case burst
    /// A record that does not fit the review schema.
    case brokenSchema(SchemaBreak)

    public var description: String {
        switch self {
        case .ratingCollapse(let category): "rating collapse in \(category)"
        case .burst: "message burst"
        case .brokenSchema(let schemaBreak): "broken schema (\(schemaBreak.rawValue))"
        }
    }
}

/// The ways a broken-schema record is broken.
public enum SchemaBreak: String, Sendable, Hashable, CaseIterable {
    /// Truncated JSON (not parseable).
    case malformedJSON
    /// Valid JSON without `star_rating`.
    case missingField
    /// `star_rating` is a string instead of a number.
    case wrongType
    /// `review_body` contains bytes that are not UTF-8.
    case invalidUTF8
}

/// One message of the synthetic review stream.
public struct GeneratedRecord: Sendable, Equatable {
    /// The Kafka key: the review_id, or nil for broken-schema records.
    public var key: [UInt8]?
    /// The JSON message (or, for broken-schema records, the broken bytes).
    public var value: [UInt8]
    /// The record's event time (also in the message as `event_time`, except when broken away).
    public var eventTimeMillis: Int64
    /// Nil for regular records.
    public var anomaly: AnomalyKind?

    public init(key: [UInt8]?, value: [UInt8], eventTimeMillis: Int64, anomaly: AnomalyKind?) {
        self.key = key
        self.value = value
        self.eventTimeMillis = eventTimeMillis
        self.anomaly = anomaly
    }
}
