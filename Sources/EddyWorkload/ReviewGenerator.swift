import EddyCore

/// A seeded, deterministic stream of synthetic Amazon-style review messages, with optional
/// injected anomalies.
///
/// Each record is one JSON object with the fields of the Amazon Customer Reviews TSV, typed as
/// `RecordFileReader` types that TSV (numbers for customer_id, product_parent, star_rating,
/// helpful_votes and total_votes; strings otherwise), plus `event_time` in epoch milliseconds:
///
///     {"marketplace":"US","customer_id":31234567,"review_id":"R0ABC…","product_id":"B0A…",
///      "product_parent":412345678,"product_title":"Sony Premium Wireless Headphones",
///      "product_category":"Electronics","star_rating":5,"helpful_votes":0,"total_votes":0,
///      "vine":"N","verified_purchase":"Y","review_headline":"Love it",
///      "review_body":"I love this headphones. …","review_date":"2026-11-24","event_time":1795496400000}
///
/// Record n (0-based, not counting burst spam) has event time `start + ⌊n × 1000 / eventsPerSecond⌋`.
/// The same seed and parameters always give identical bytes: the generator uses only its own
/// xoshiro256** stream (`SeededRandom`), never the system RNG or the clock.
public struct ReviewGenerator: Sendable {
    public let seed: UInt64
    public let startEventTimeMillis: Int64
    public let eventsPerSecond: Double
    public let anomalies: AnomalyPlan?

    private var random: SeededRandom
    private let intervalMillis: Double
    private let reviewIDSalt: UInt64
    /// Regular (non-spam) record slots produced so far; drives event time.
    private var slot: Int64 = 0
    /// Every record produced so far; drives review ids.
    private var serial: UInt64 = 0
    private var burst = BurstState()
    private var brokenEpisode = 0
    private var brokenEmitted = 0
    private var text: [UInt8] = []
    private var cachedDay = Int64.min
    private var cachedDate: [UInt8] = []

    /// - Precondition: `eventsPerSecond` is positive (infinite means every record shares the
    ///   start time); callers validate user input first.
    public init(seed: UInt64, startEventTimeMillis: Int64, eventsPerSecond: Double, anomalies: AnomalyPlan?) {
        precondition(eventsPerSecond > 0, "events per second must be positive")
        self.seed = seed
        self.startEventTimeMillis = startEventTimeMillis
        self.eventsPerSecond = eventsPerSecond
        self.anomalies = anomalies
        self.random = SeededRandom(seed: seed)
        self.intervalMillis = 1000 / eventsPerSecond
        self.reviewIDSalt = SplitMix64.mix(seed ^ 0x5265_7669_6577_4944)
        text.reserveCapacity(512)
    }

    private struct BurstState: Sendable {
        var remaining = 0
        var index = 0
        var baseMillis: Int64 = 0
        var customer: Int64 = 0
        var category = 0
        var rank = 0
    }

    private struct Draft {
        var customer: Int64
        var category: Int
        var rank: Int
        var rating: Int
        var votes: (helpful: Int, total: Int)
        var vine: Bool
        var verified: Bool
        var eventTimeMillis: Int64
        var isSpam = false
    }

    public mutating func next() -> GeneratedRecord {
        if burst.remaining > 0 { return nextSpam() }
        let eventTime = startEventTimeMillis + Int64((Double(slot) * intervalMillis).rounded(.down))
        slot += 1
        var collapsedCategory: Int?
        if let plan = anomalies {
            let position = plan.position(atOffsetMillis: eventTime - startEventTimeMillis)
            if position.episode >= 1 {
                switch AnomalyPlan.kind(ofEpisode: position.episode) {
                case .ratingCollapse:
                    if Double(position.offsetMillis) < plan.collapseSeconds * 1000 {
                        var episodeRandom = episodeRandom(position.episode)
                        collapsedCategory = ReviewCatalog.drawCategory(&episodeRandom)
                    }
                case .burst:
                    if Double(position.offsetMillis) < plan.burstSeconds * 1000, plan.burstMultiplier > 1 {
                        startBurst(episode: position.episode, baseMillis: eventTime, multiplier: plan.burstMultiplier)
                    }
                case .brokenSchema:
                    if brokenEpisode != position.episode {
                        brokenEpisode = position.episode
                        brokenEmitted = 0
                    }
                    if brokenEmitted < plan.brokenRecordCount {
                        let kind = SchemaBreak.allCases[brokenEmitted % SchemaBreak.allCases.count]
                        brokenEmitted += 1
                        return brokenRecord(kind, eventTime: eventTime)
                    }
                }
            }
        }
        var draft = drawDraft(eventTime: eventTime)
        var anomaly: AnomalyKind?
        if let collapsedCategory, draft.category == collapsedCategory {
            draft.rating = 1
            anomaly = .ratingCollapse(category: ReviewVocabulary.categories[collapsedCategory].displayName)
        }
        return finish(draft, anomaly: anomaly)
    }

    // MARK: - Regular records

    private mutating func drawDraft(eventTime: Int64) -> Draft {
        let category = ReviewCatalog.drawCategory(&random)
        return Draft(
            customer: ReviewCatalog.drawCustomer(&random),
            category: category,
            rank: ReviewCatalog.drawRank(&random),
            rating: ReviewCatalog.drawRating(&random),
            votes: ReviewCatalog.drawVotes(&random),
            vine: random.chance(0.01),
            verified: random.chance(0.82),
            eventTimeMillis: eventTime
        )
    }

    private mutating func finish(_ draft: Draft, anomaly: AnomalyKind?) -> GeneratedRecord {
        let reviewID = nextReviewID()
        var value = encode(draft, reviewID: reviewID, schemaBreak: nil)
        value.append(UInt8(ascii: "}"))
        return GeneratedRecord(key: reviewID, value: value, eventTimeMillis: draft.eventTimeMillis, anomaly: anomaly)
    }

    // MARK: - Bursts

    private mutating func startBurst(episode: Int, baseMillis: Int64, multiplier: Int) {
        // The same customer and product for the whole episode: derived from the episode alone.
        var episodeRandom = episodeRandom(episode)
        burst.customer = ReviewCatalog.customerIDBase + Int64(episodeRandom.next() % ReviewCatalog.customerIDSpan)
        burst.category = ReviewCatalog.drawCategory(&episodeRandom)
        burst.rank = episodeRandom.nextBelow(10)
        burst.remaining = multiplier - 1
        burst.index = 0
        burst.baseMillis = baseMillis
    }

    private mutating func nextSpam() -> GeneratedRecord {
        burst.index += 1
        burst.remaining -= 1
        let multiplier = Double(burst.index + burst.remaining + 1)
        let eventTime = burst.baseMillis + Int64((Double(burst.index) * intervalMillis / multiplier).rounded(.down))
        var draft = Draft(
            customer: burst.customer, category: burst.category, rank: burst.rank, rating: 5,
            votes: (0, 0), vine: false, verified: false, eventTimeMillis: eventTime
        )
        draft.isSpam = true
        return finish(draft, anomaly: .burst)
    }

    // MARK: - Broken schema

    private mutating func brokenRecord(_ kind: SchemaBreak, eventTime: Int64) -> GeneratedRecord {
        let draft = drawDraft(eventTime: eventTime)
        let reviewID = nextReviewID()
        var value = encode(draft, reviewID: reviewID, schemaBreak: kind)
        value.append(UInt8(ascii: "}"))
        if kind == .malformedJSON {
            // Any proper prefix of a JSON object is invalid; cut it mid-text.
            value.removeLast(value.count * 2 / 5)
        }
        return GeneratedRecord(key: nil, value: value, eventTimeMillis: eventTime, anomaly: .brokenSchema(kind))
    }

    // MARK: - Encoding

    /// Encodes every member; the caller appends the closing brace.
    private mutating func encode(_ draft: Draft, reviewID: [UInt8], schemaBreak: SchemaBreak?) -> [UInt8] {
        let category = ReviewVocabulary.categories[draft.category]
        let parts = ReviewCatalog.titleParts(category: draft.category, rank: draft.rank)
        let noun = category.nouns[parts.noun]
        var output: [UInt8] = []
        output.reserveCapacity(720)
        output.appendLiteral("{\"marketplace\":\"US\",\"customer_id\":")
        output.appendDecimal(draft.customer)
        output.appendLiteral(",\"review_id\":\"")
        output.append(contentsOf: reviewID)
        output.appendLiteral("\",\"product_id\":\"")
        ReviewCatalog.appendProductID(category: draft.category, rank: draft.rank, to: &output)
        output.appendLiteral("\",\"product_parent\":")
        output.appendDecimal(ReviewCatalog.productParent(category: draft.category, rank: draft.rank))
        text.removeAll(keepingCapacity: true)
        text.append(contentsOf: category.brands[parts.brand])
        text.append(UInt8(ascii: " "))
        text.append(contentsOf: ReviewVocabulary.titleAdjectives[parts.adjective])
        text.append(UInt8(ascii: " "))
        text.append(contentsOf: noun.title)
        output.appendLiteral(",\"product_title\":")
        output.appendJSONString(text)
        output.appendLiteral(",\"product_category\":")
        output.appendJSONString(category.name)
        switch schemaBreak {
        case .missingField:
            break
        case .wrongType:
            output.appendLiteral(",\"star_rating\":\"")
            output.appendDecimal(Int64(draft.rating))
            output.appendLiteral(" stars\"")
        default:
            output.appendLiteral(",\"star_rating\":")
            output.appendDecimal(Int64(draft.rating))
        }
        output.appendLiteral(",\"helpful_votes\":")
        output.appendDecimal(Int64(draft.votes.helpful))
        output.appendLiteral(",\"total_votes\":")
        output.appendDecimal(Int64(draft.votes.total))
        output.appendLiteral(draft.vine ? ",\"vine\":\"Y\"" : ",\"vine\":\"N\"")
        output.appendLiteral(draft.verified ? ",\"verified_purchase\":\"Y\"" : ",\"verified_purchase\":\"N\"")
        text.removeAll(keepingCapacity: true)
        if draft.isSpam {
            ReviewTextComposer.appendSpamHeadline(noun: noun.text, random: &random, to: &text)
        } else {
            ReviewTextComposer.appendHeadline(rating: draft.rating, noun: noun.text, random: &random, to: &text)
        }
        output.appendLiteral(",\"review_headline\":")
        output.appendJSONString(text)
        text.removeAll(keepingCapacity: true)
        if draft.isSpam {
            ReviewTextComposer.appendSpamBody(noun: noun.text, random: &random, to: &text)
        } else {
            ReviewTextComposer.appendBody(rating: draft.rating, noun: noun.text, random: &random, to: &text)
        }
        if schemaBreak == .invalidUTF8 {
            text.append(contentsOf: [0x20, 0xC3, 0x28, 0xFF, 0xFE]) // a broken 2-byte sequence and two never-valid bytes
        }
        output.appendLiteral(",\"review_body\":")
        output.appendJSONString(text)
        output.appendLiteral(",\"review_date\":\"")
        appendDate(of: draft.eventTimeMillis, to: &output)
        output.appendLiteral("\",\"event_time\":")
        output.appendDecimal(draft.eventTimeMillis)
        return output
    }

    /// Appends the UTC calendar date of an epoch-millisecond time, caching the last day.
    private mutating func appendDate(of millis: Int64, to output: inout [UInt8]) {
        let day = CivilTime.floorDiv(millis, CivilTime.millisPerDay)
        if day != cachedDay {
            let civil = CivilTime.civilFromDays(day)
            cachedDay = day
            cachedDate.removeAll(keepingCapacity: true)
            appendPadded(civil.year, width: 4, to: &cachedDate)
            cachedDate.append(UInt8(ascii: "-"))
            appendPadded(civil.month, width: 2, to: &cachedDate)
            cachedDate.append(UInt8(ascii: "-"))
            appendPadded(civil.day, width: 2, to: &cachedDate)
        }
        output.append(contentsOf: cachedDate)
    }

    private func appendPadded(_ value: Int64, width: Int, to output: inout [UInt8]) {
        var digits = 1
        var probe = abs(value)
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        for _ in digits..<max(digits, width) { output.append(UInt8(ascii: "0")) }
        output.appendDecimal(value)
    }

    /// `R` + 13 base-36 characters of a bijective hash of the serial number: unique within a
    /// stream, 14 characters like real review ids, and not guessable from position.
    private mutating func nextReviewID() -> [UInt8] {
        var id: [UInt8] = [UInt8(ascii: "R")]
        id.reserveCapacity(14)
        ReviewCatalog.appendBase36(SplitMix64.mix(serial ^ reviewIDSalt), width: 13, to: &id)
        serial += 1
        return id
    }

    /// An independent random stream per anomaly episode, so an episode's choices (which
    /// category collapses, who spams) do not depend on how many records came before it.
    private func episodeRandom(_ episode: Int) -> SeededRandom {
        SeededRandom(seed: SplitMix64.mix(seed ^ 0x0A40_AA11_E500_0000) &+ UInt64(episode))
    }
}

extension ReviewGenerator {
    /// Appends the next `count` messages as JSON lines (each value plus `\n`).
    ///
    /// This is how benchmarks write the input file they hand to the reference harnesses in
    /// `Benchmarks/reference/` (Flink SQL, orjson), so every side measures the same bytes.
    public mutating func appendJSONLines(count: Int, to output: inout [UInt8]) {
        for _ in 0..<count {
            output.append(contentsOf: next().value)
            output.append(0x0A)
        }
    }
}
