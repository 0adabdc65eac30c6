import EddyEngine
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// topologies/reviews.sql over the review generator with its injected anomalies: the alerts topic
/// and the metrics rollups, through the TopologyTestDriver.
@Suite struct ReviewsAlertsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let start: Int64 = 1_795_496_400_000

    /// What one run of reviews.sql produced, with what the generator says it injected.
    struct Run: @unchecked Sendable {
        var outputs: [String: [String]] = [:]
        var keyed: [String: [(key: String?, value: String)]] = [:]
        var records = 0
        var lateRows = 0
        var errors = 0
        var burstCategories: Set<String> = []
        var burstRecords = 0
        var collapsedCategories: Set<String> = []
    }

    /// Runs reviews.sql over `seconds` of generated reviews at `rate` per second.
    static func run(seconds: Int, rate: Double, anomalies: AnomalyPlan?, seed: UInt64 = 7) throws -> Run {
        let sql = try String(contentsOf: root.appendingPathComponent("topologies/reviews.sql"), encoding: .utf8)
        let driver = try TopologyTestDriver(sql: sql, name: "reviews")
        var generator = ReviewGenerator(seed: seed, startEventTimeMillis: start, eventsPerSecond: rate, anomalies: anomalies)
        var run = Run()
        while true {
            let record = generator.next()
            if record.eventTimeMillis >= start + Int64(seconds) * 1000 { break }
            run.records += 1
            switch record.anomaly {
            case .burst?:
                run.burstRecords += 1
                if let category = try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any] {
                    run.burstCategories.insert(category["product_category"] as? String ?? "")
                }
            case .ratingCollapse(let category)?: run.collapsedCategories.insert(category)
            default: break
            }
            driver.pipe("SOURCE_SQL_STREAM_001", bytes: record.value)
        }
        driver.finish()
        run.lateRows = driver.engine.statistics.lateRows
        run.errors = driver.engine.statistics.errors
        for stream in ["REVIEW_ALERTS", "AVG_STAR_RATING_SQL_STREAM", "MESSAGE_COUNTS_SQL_STREAM", "TOP_PRODUCTS_SQL_STREAM",
                       "REVIEW_ANOMALY_SQL_STREAM", "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM"] {
            let rows = driver.readKeyed(stream)
            run.keyed[stream] = rows
            run.outputs[stream] = rows.map(\.value)
        }
        return run
    }

    /// 200 s at 50 reviews/s: a rating collapse at 60 s, a burst at 120 s, broken records at 180 s.
    static let withAnomalies = Result { try run(seconds: 200, rate: 50, anomalies: AnomalyPlan(everySeconds: 60)) }
    /// The same stream without injected anomalies, for false alarms.
    static let clean = Result { try run(seconds: 110, rate: 50, anomalies: nil) }

    static func alerts(_ run: Run) throws -> [[String: Any]] { try run.outputs["REVIEW_ALERTS", default: []].map(jsonObject) }

    static func seconds(_ iso: Any?) -> Double {
        guard let text = iso as? String else { return -1 }
        // yyyy-MM-ddTHH:mm:ss.SSSZ on the start's day: seconds since the generator's start (05:00:00).
        let parts = text.dropFirst(11).dropLast().split(separator: ":").compactMap { Double($0) }
        return parts.count == 3 ? (parts[0] - 5) * 3600 + parts[1] * 60 + parts[2] : -1
    }

    @Test func aRatingCollapseRaisesASentimentDropAlertForItsCategory() throws {
        let run = try Self.withAnomalies.get()
        let collapsed = try #require(run.collapsedCategories.first)
        #expect(run.collapsedCategories.count == 1)
        let drops = try Self.alerts(run).filter { $0["kind"] as? String == "sentiment_drop" && $0["type"] as? String == "raise" }
        #expect(drops.count == 1)
        let drop = try #require(drops.first)
        #expect(drop["key"] as? String == collapsed)
        // The collapse lasts 60–70 s; the window [60 s, 70 s) closes at 70 s.
        #expect(Self.seconds(drop["event_time"]) == 70)
        #expect(try #require(drop["score"] as? Double) < (try #require(drop["threshold"] as? Double)))
        let record = try #require(drop["record"] as? [String: Any])
        #expect(record["AVG_STAR_RATING"] as? Double == 1)
    }

    @Test func aBurstGivesOneOrTwoAlertsNotHundreds() throws {
        let run = try Self.withAnomalies.get()
        #expect(run.burstRecords > 100)
        let category = try #require(run.burstCategories.first)
        #expect(run.burstCategories.count == 1)
        let burstAlerts = try Self.alerts(run).filter {
            $0["kind"] as? String == "rcf_anomaly" && $0["key"] as? String == category
                && (120..<250).contains(Self.seconds($0["event_time"]))
        }
        let raises = burstAlerts.filter { $0["type"] as? String == "raise" }
        #expect(raises.count == 1)
        #expect(burstAlerts.count <= 2)
        let raise = try #require(raises.first)
        #expect((120..<123).contains(Self.seconds(raise["event_time"])))
        // The spam the forest found anomalous (until it learned the repeated point) was counted into
        // the follow-up instead of being sent one alert each.
        let followUp = try #require(burstAlerts.first { $0["type"] as? String == "follow_up" })
        #expect(try #require(followUp["suppressed_count"] as? Int) > 50)
    }

    @Test func everyAlertCarriesItsContext() throws {
        let run = try Self.withAnomalies.get()
        let keyed = run.keyed["REVIEW_ALERTS", default: []]
        #expect(!keyed.isEmpty)
        for (key, value) in keyed {
            let alert = try jsonObject(value)
            #expect(key == alert["key"] as? String)
            #expect(["rcf_anomaly", "sentiment_drop"].contains(alert["kind"] as? String))
            #expect(alert["topology"] as? String == "reviews")
            #expect(["RCF_ALERTS_PUMP", "SENTIMENT_DROP_ALERTS_PUMP"].contains(alert["pump"] as? String))
            #expect((alert["summary"] as? String)?.hasPrefix("[\(alert["kind"] as? String ?? "")] \(key ?? "")") == true)
            #expect(Self.seconds(alert["event_time"]) >= 0)
            guard alert["type"] as? String == "raise" else {
                #expect(try #require(alert["suppressed_count"] as? Int) >= 1)
                continue
            }
            #expect(alert["score"] is Double && alert["threshold"] is Double)
            let record = try #require(alert["record"] as? [String: Any])
            #expect(record["PRODUCT_CATEGORY"] as? String == key)
            if alert["kind"] as? String == "rcf_anomaly" {
                #expect(record["REVIEW_ID"] is String)
                let explanation = try #require(alert["explanation"] as? [String: Any])
                #expect(Set(explanation.keys) == ["STAR_RATING", "SENTIMENT", "REVIEW_LENGTH"])
                let total = explanation.values.compactMap { ($0 as? [String: Any])?["ATTRIBUTION_SCORE"] as? Double }.reduce(0, +)
                #expect(abs(total - (alert["score"] as? Double ?? 0)) < 1e-9)
            }
        }
    }

    @Test func noSentimentDropAlertsWithoutAnomalies() throws {
        let run = try Self.clean.get()
        #expect(try Self.alerts(run).filter { $0["kind"] as? String == "sentiment_drop" }.isEmpty)
    }

    @Test func rollupsAddUp() throws {
        let run = try Self.withAnomalies.get()
        let counts = try run.outputs["MESSAGE_COUNTS_SQL_STREAM", default: []].map(jsonObject)
        #expect(counts.count == 20)
        let total = counts.reduce(0) { $0 + ($1["MESSAGE_COUNT"] as? Int ?? 0) }
        #expect(total + run.errors + run.lateRows == run.records)
        for window in counts {
            // Below 10,000 per window the "approximate" counts are exact; review ids are unique.
            #expect(window["APPROX_MESSAGE_COUNT"] as? Int == window["MESSAGE_COUNT"] as? Int)
            #expect(try #require(window["DISTINCT_REVIEWERS"] as? Int) <= (try #require(window["MESSAGE_COUNT"] as? Int)))
        }
        let categories = try run.outputs["AVG_STAR_RATING_SQL_STREAM", default: []].map(jsonObject)
        #expect(categories.reduce(0) { $0 + ($1["REVIEW_COUNT"] as? Int ?? 0) } == total)
        for row in categories {
            #expect((-1.0...1.0).contains(try #require(row["AVG_SENTIMENT"] as? Double)))
            #expect((1.0...5.0).contains(try #require(row["AVG_STAR_RATING"] as? Double)))
            #expect(row["APPROX_REVIEW_COUNT"] as? Int == row["REVIEW_COUNT"] as? Int)
        }
        let top = try run.outputs["TOP_PRODUCTS_SQL_STREAM", default: []].map(jsonObject)
        let byWindow = Dictionary(grouping: top) { $0["WINDOW_END"] as? String ?? "" }
        #expect(byWindow.count == 20)
        for (_, rows) in byWindow {
            #expect(rows.count == 10)
            let counts = rows.compactMap { $0["REVIEW_COUNT"] as? Int }
            #expect(counts == counts.sorted(by: >))
        }
        // The burst's spam product tops its window.
        let burstWindow = try #require(byWindow.first { Self.seconds($0.key) == 130 }?.value.first)
        #expect(try #require(burstWindow["REVIEW_COUNT"] as? Int) > 100)
    }
}
