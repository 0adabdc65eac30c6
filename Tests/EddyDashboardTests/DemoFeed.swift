import EddyCore
import EddyDashboard
import EddyMetrics
import Foundation

/// A deterministic stand-in for a running reviews pipeline: the same rollups, anomaly scores, alerts
/// and health counters every run (seeded), on a hand-moved clock. Shapes follow `reviews.sql`'s
/// outputs but nothing here is specific to the page, which only sees declared columns.
struct DemoFeed {
    static let categories = ["books", "electronics", "toys", "grocery"]
    static let windowSeconds = 10.0
    static let sentimentStream = "CATEGORY_SENTIMENT"
    static let countsStream = "MESSAGE_COUNTS"
    static let anomalyStream = "CATEGORY_ANOMALIES"

    let hub: DashboardHub
    let metrics: PipelineMetrics
    let clock: ManualClock
    var random = SplitMix64(seed: 0xEDD1)
    private(set) var window = 0
    private(set) var alertCount = 0
    private(set) var rowsPerStream = 0

    init(hub: DashboardHub, metrics: PipelineMetrics, clock: ManualClock) throws {
        self.hub = hub
        self.metrics = metrics
        self.clock = clock
        try hub.declareStream(
            name: Self.sentimentStream,
            columns: [
                .init("PRODUCT_CATEGORY", .text), .init("WINDOW_START", .timestamp),
                .init("AVG_SENTIMENT", .numeric), .init("AVG_RATING", .numeric),
            ])
        try hub.declareStream(
            name: Self.countsStream,
            columns: [
                .init("WINDOW_START", .timestamp), .init("MESSAGES", .numeric),
                .init("APPROX_MESSAGES", .numeric), .init("APPROX_DISTINCT_REVIEWERS", .numeric),
            ])
        try hub.declareStream(
            name: Self.anomalyStream,
            columns: [
                .init("PRODUCT_CATEGORY", .text), .init("ROWTIME", .timestamp),
                .init("ANOMALY_SCORE", .numeric), .init("THRESHOLD", .numeric),
            ])
    }

    private mutating func noise(_ amplitude: Double) -> Double {
        Double.random(in: -amplitude...amplitude, using: &random)
    }

    /// Publishes one window of every stream, updates the pipeline counters, and samples health.
    mutating func publishWindow() throws {
        clock.advance(by: Self.windowSeconds)
        let i = window
        window += 1
        let millis = Int64((clock.now * 1000).rounded())
        let baselines = [0.42, 0.18, 0.55, 0.30]
        for (c, category) in Self.categories.enumerated() {
            var sentiment = baselines[c] + 0.08 * sin(Double(i) / 6 + Double(c)) + noise(0.03)
            if category == "books" && (40..<47).contains(i) { sentiment -= 0.55 }
            let rating = 3.2 + 2.2 * sentiment + noise(0.1)
            if category == "books" && i == 41 {
                try sentimentDropAlert(category: category, sentiment: sentiment, baseline: baselines[c], eventMillis: millis)
            }
            try hub.publish(
                stream: Self.sentimentStream,
                row: [.text(category), .timestamp(millisecondsSinceEpoch: millis), .number(sentiment), .number(rating)])

            var score = 0.9 + 0.15 * Double(c) + noise(0.25)
            if category == "electronics" && i == 25 { score = 3.7 }
            if category == "books" && (42...44).contains(i) { score = [4.3, 3.9, 3.1][i - 42] }
            let threshold = 2.2 + 0.15 * Double(c) + 0.05 * sin(Double(i) / 10)
            try hub.publish(
                stream: Self.anomalyStream,
                row: [.text(category), .timestamp(millisecondsSinceEpoch: millis), .number(score), .number(threshold)])
            if score > threshold {
                try alert(category: category, score: score, threshold: threshold, eventMillis: millis, index: i)
            }
        }
        let messages = 420 + 90 * sin(Double(i) / 8) + noise(25)
        try hub.publish(
            stream: Self.countsStream,
            row: [
                .timestamp(millisecondsSinceEpoch: millis), .number(messages.rounded()),
                .number((messages * (1 + noise(0.015))).rounded()), .number((messages * 0.71 + noise(8)).rounded()),
            ])
        rowsPerStream += 1

        for partition in Int32(0)..<3 {
            metrics.recordsIn(stream: "REVIEWS", partition: partition).increment(by: UInt64(messages / 3))
            metrics.consumerLag(stream: "REVIEWS", partition: partition).set(max(0, Double([14, 230, 3][Int(partition)]) + noise(4).rounded()))
        }
        metrics.recordsOut(stream: Self.sentimentStream).increment(by: 4)
        metrics.recordsOut(stream: Self.countsStream).increment(by: 1)
        metrics.recordsOut(stream: Self.anomalyStream).increment(by: UInt64(messages * 0.6))
        if i % 17 == 5 { metrics.errors(stream: "REVIEWS").increment(by: 3) }
        if i % 23 == 7 { metrics.lateRecords(stream: "REVIEWS").increment() }
        metrics.watermarkDelay(stream: "REVIEWS").set(2.4 + noise(0.5))
        if i % 3 == 0 { metrics.lastCommit.set(clock.now) }
        hub.sampleHealth()
    }

    private mutating func sentimentDropAlert(category: String, sentiment: Double, baseline: Double, eventMillis: Int64) throws {
        let drop = ((baseline - sentiment) * 100).rounded() / 100
        let json = """
            {"kind":"sentiment_drop","summary":"\(category): average sentiment fell by \(drop) below its recent baseline",\
            "score":\(sentiment),"threshold":\(baseline - 0.3),"event_time":\(eventMillis),"topology":"reviews",\
            "pump":"SENTIMENT_ALERT_PUMP","product_category":"\(category)","baseline":\(baseline),\
            "explanation":"window average below mean - 3 sigma of the last 30 windows"}
            """
        try hub.publishAlert(json: json)
        metrics.alerts(stream: "ALERTS").increment()
        alertCount += 1
    }

    private mutating func alert(category: String, score: Double, threshold: Double, eventMillis: Int64, index: Int) throws {
        let reviewID = "R\(100_000 + index * 7)"
        let summary = "\(category): anomaly score \((score * 100).rounded() / 100) above threshold \((threshold * 100).rounded() / 100)"
        let json = """
            {"kind":"rcf_anomaly","summary":"\(summary)","score":\(score),"threshold":\(threshold),\
            "event_time":\(eventMillis),"topology":"reviews","pump":"ANOMALY_PUMP",\
            "review_id":"\(reviewID)","product_category":"\(category)","star_rating":1,\
            "explanation":{"STAR_RATING":{"ATTRIBUTION_SCORE":\(score * 0.6),"STRENGTH":\(score * 0.6),"DIRECTION":"LOW"},\
            "SENTIMENT":{"ATTRIBUTION_SCORE":\(score * 0.3),"STRENGTH":\(score * 0.3),"DIRECTION":"LOW"}}}
            """
        try hub.publishAlert(json: json)
        metrics.alerts(stream: "ALERTS").increment()
        alertCount += 1
    }
}
