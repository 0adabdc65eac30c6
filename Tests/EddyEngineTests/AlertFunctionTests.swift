import EddyCore
import EddyEngine
import Foundation
import Testing

/// ANOMALY_ALERTS: adaptive threshold per key, cool-down per key, alert JSON with context, raw output.
@Suite struct AlertFunctionTests {
    static let sql = """
    CREATE STREAM "SCORES" ("id" VARCHAR(8), "cat" VARCHAR(8), "score" DOUBLE, "why" VARCHAR(200), "t" BIGINT) WITH ('rowtime' = 't');
    CREATE STREAM ALERTS (alert_key VARCHAR(64), alert VARCHAR(8000));
    CREATE PUMP ALERT_PUMP AS INSERT INTO ALERTS SELECT STREAM ALERT_KEY, ALERT
      FROM TABLE(ANOMALY_ALERTS(CURSOR(SELECT STREAM "id", "cat", "score", "why" AS ANOMALY_EXPLANATION FROM "SCORES"),
                                'score', 'cat', 3, 10, 'KIND=test_spike, WARM_UP=20'));
    ALTER STREAM ALERTS SET ('topic' = 'alerts.test', 'format' = 'raw', 'key' = 'alert_key');
    """

    /// Normal scores around 1 every 100 ms per category; `spikes` maps a row index to a spike score.
    static func feed(_ driver: TopologyTestDriver, rows: Int, spikes: [Int: Double], categories: [String] = ["A"]) {
        var random = SplitMix64(seed: 5)
        for i in 0..<rows {
            for cat in categories {
                let normal = 1 + random.nextUnit() * 0.2
                let score = cat == categories[0] ? spikes[i] ?? normal : normal
                driver.pipe("SCORES", #"{"id":"r\#(i)","cat":"\#(cat)","score":\#(score),"why":"{\"x\":{\"ATTRIBUTION_SCORE\":1}}","t":\#(i * 100)}"#)
            }
        }
    }

    @Test func aBurstGivesOneAlertAndOneFollowUp() throws {
        let driver = try TopologyTestDriver(sql: Self.sql, name: "alerting")
        // A burst of 40 anomalous rows (4 s) well inside one 10 s cool-down, after 100 normal rows.
        var spikes: [Int: Double] = [:]
        for i in 100..<140 { spikes[i] = 5 }
        Self.feed(driver, rows: 300, spikes: spikes)
        driver.finish()
        let rows = driver.readKeyed("ALERTS")
        #expect(rows.count == 2)
        let raise = try jsonObject(rows[0].value), followUp = try jsonObject(rows[1].value)
        #expect(rows[0].key == "A")
        #expect(raise["kind"] as? String == "test_spike")
        #expect(raise["type"] as? String == "raise")
        #expect(raise["key"] as? String == "A")
        #expect(raise["score"] as? Double == 5)
        #expect(try #require(raise["threshold"] as? Double) < 5)
        #expect(raise["event_time"] as? String == "1970-01-01T00:00:10.000Z")
        #expect(raise["topology"] as? String == "alerting")
        #expect(raise["pump"] as? String == "ALERT_PUMP")
        let record = try #require(raise["record"] as? [String: Any])
        #expect(record["id"] as? String == "r100" && record["cat"] as? String == "A")
        #expect(record["ANOMALY_EXPLANATION"] == nil)
        #expect((raise["explanation"] as? [String: Any])?["x"] != nil)
        let summary = try #require(raise["summary"] as? String)
        #expect(summary.hasPrefix("[test_spike] A: score 5.0 above threshold"))
        #expect(summary.contains("id=r100"))
        #expect(followUp["type"] as? String == "follow_up")
        #expect(followUp["suppressed_count"] as? Int == 39)
        #expect(followUp["cooldown_ended_at"] as? String == "1970-01-01T00:00:20.000Z")
    }

    @Test func warmUpSuppressesEarlyAlertsAndKeysAreIndependent() throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        // A spike at row 5 is in the warm-up (20 scores); one at row 200 in category A only.
        Self.feed(driver, rows: 300, spikes: [5: 50, 200: 50], categories: ["A", "B"])
        driver.finish()
        let alerts = try driver.read("ALERTS").map(jsonObject)
        #expect(alerts.count == 1)
        #expect(alerts.first?["key"] as? String == "A")
        #expect(alerts.first?["event_time"] as? String == "1970-01-01T00:00:20.000Z")
    }

    @Test func lowerTailAlertsOnDrops() throws {
        let driver = try TopologyTestDriver(sql: Self.sql.replacingOccurrences(of: "WARM_UP=20", with: "WARM_UP=20, TAIL=LOW"))
        Self.feed(driver, rows: 200, spikes: [150: 5, 160: -3])
        driver.finish()
        let alerts = try driver.read("ALERTS").map(jsonObject)
        #expect(alerts.count == 1)
        #expect(alerts.first?["score"] as? Double == -3)
        #expect(alerts.first?["direction"] as? String == "LOW")
    }

    @Test func rawFormatNeedsOneValueColumn() {
        #expect(throws: (any Error).self) {
            _ = try TopologyTestDriver(sql: """
            CREATE STREAM "IN" ("a" VARCHAR(8), "b" VARCHAR(8));
            CREATE STREAM OUT (a VARCHAR(8), b VARCHAR(8));
            CREATE PUMP P AS INSERT INTO OUT SELECT STREAM * FROM "IN";
            ALTER STREAM OUT SET ('topic' = 'o', 'format' = 'raw');
            """)
        }
    }
}
