import EddyEngine
import EddySQL
import Foundation
import Testing

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct SentimentAndDistinctTests {
    @Test func sentimentScoresTextInTheUnitInterval() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("body" VARCHAR(200));
        CREATE STREAM OUT (s DOUBLE);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM SENTIMENT("body") FROM "IN";
        """)
        driver.pipe("IN", #"{"body":"The battery is great, but the screen is kind of dim."}"#)
        driver.pipe("IN", #"{"body":"I love it, absolutely wonderful!!"}"#)
        driver.pipe("IN", #"{"body":"Terrible. It broke after a day, awful and useless."}"#)
        driver.pipe("IN", #"{"body":"The box is brown."}"#)
        driver.pipe("IN", #"{"body":null}"#)
        let scores = try driver.read("OUT").map { try jsonObject($0)["S"] as? Double }
        // vaderSentiment 3.3.2 gives 0.3716 for the first sentence (its README's "but" example).
        #expect(abs(try #require(scores[0]) - 0.3716) < 1e-4)
        #expect(try #require(scores[1]) > 0.8)
        #expect(try #require(scores[2]) < -0.5)
        #expect(scores[3] == 0)
        #expect(scores[4] == nil)
    }

    @Test func approxCountDistinctPerCategoryAndWindow() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("cat" VARCHAR(8), "id" VARCHAR(16), "n" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (cat VARCHAR(8), ids BIGINT, ns BIGINT, c BIGINT);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM "cat", APPROX_COUNT_DISTINCT("id"), APPROX_COUNT_DISTINCT("n"), COUNT(*) FROM "IN"
          GROUP BY "cat", STEP("IN".ROWTIME BY INTERVAL '10' SECOND);
        """)
        let rows: [(String, String?, Int?, Int64)] = [
            ("A", "r1", 1, 0), ("A", "r2", 1, 1000), ("A", "r1", 2, 2000), ("B", "r1", 5, 3000), ("A", nil, nil, 4000),
            ("A", "r3", 3, 11000), ("A", "r3", 3, 12000),
        ]
        for (cat, id, n, t) in rows {
            let idText = id.map { "\"\($0)\"" } ?? "null"
            let nText = n.map(String.init) ?? "null"
            driver.pipe("IN", #"{"cat":"\#(cat)","id":\#(idText),"n":\#(nText),"t":\#(t)}"#)
        }
        driver.finish()
        #expect(driver.read("OUT") == [
            #"{"CAT":"A","IDS":2,"NS":2,"C":4}"#,
            #"{"CAT":"B","IDS":1,"NS":1,"C":1}"#,
            #"{"CAT":"A","IDS":1,"NS":1,"C":2}"#,
        ])
    }

    @Test func approxCountDistinctBecomesAnEstimateBeyondTenThousand() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("id" BIGINT, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (ids BIGINT);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM APPROX_COUNT_DISTINCT("id") FROM "IN" GROUP BY STEP("IN".ROWTIME BY INTERVAL '1' MINUTE);
        """)
        for i in 0..<50_000 { driver.pipe("IN", #"{"id":\#(i % 40_000),"t":\#(i)}"#) }
        driver.finish()
        let row = try #require(driver.read("OUT").first)
        let count = try #require(try jsonObject(row)["IDS"] as? Int)
        #expect(abs(Double(count) - 40_000) / 40_000 < 0.02)
    }

    @Test func approxCountDistinctRestartsPerStaggerWindow() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("u" VARCHAR(8), "p" VARCHAR(8), "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (u VARCHAR(8), pages BIGINT);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM "u", APPROX_COUNT_DISTINCT("p") FROM "IN" WINDOWED BY STAGGER (PARTITION BY "u" RANGE INTERVAL '10' SECOND);
        """)
        for (p, t) in [("a", 0), ("b", 1000), ("a", 2000), ("c", 20000)] { driver.pipe("IN", #"{"u":"x","p":"\#(p)","t":\#(t)}"#) }
        driver.finish()
        #expect(driver.read("OUT") == [#"{"U":"x","PAGES":2}"#, #"{"U":"x","PAGES":1}"#])
    }
}

@Suite struct AnalyticDiagnosticsTests {
    @Test(arguments: [
        ("SELECT STREAM SENTIMENT(\"n\") FROM \"IN\"", "type mismatch: SENTIMENT needs a string, found INTEGER", 3, 58),
        ("SELECT STREAM SENTIMENT(\"s\", \"s\") FROM \"IN\"", "SENTIMENT takes 1 argument, found 2", 3, 48),
        ("SELECT STREAM APPROX_COUNT_DISTINCT(\"s\") OVER w FROM \"IN\" WINDOW w AS (RANGE INTERVAL '1' MINUTE PRECEDING)",
         "APPROX_COUNT_DISTINCT in a sliding window", 3, 48),
    ])
    func functionsReportWhereAndWhy(select: String, message: String, line: Int, column: Int) {
        let sql = """
        CREATE STREAM "IN" ("s" VARCHAR(8), "n" INTEGER);
        CREATE STREAM OUT (a DOUBLE);
        CREATE PUMP P AS INSERT INTO OUT \(select);
        """
        do {
            _ = try Analyzer.analyze(text: sql, name: "t")
            Issue.record("expected a diagnostic")
        } catch {
            #expect(error.message == message)
            #expect(error.location.line == line)
            #expect(error.location.column == column)
            #expect(!error.hint.isEmpty)
        }
    }
}
