import EddyCore
import EddyEngine
import EddySQL
import Foundation
import Testing

/// RANDOM_CUT_FOREST, RANDOM_CUT_FOREST_WITH_EXPLANATION and HOTSPOTS through SQL: properties first
/// (warm-up zeros, an injected outlier ranks first, attributions sum to the score and point at the
/// perturbed column), so the seeded golden outputs pin behaviour that was checked, not just observed.
@Suite struct ForestFunctionTests {
    static func forestSQL(_ call: String) -> String {
        """
        CREATE STREAM "IN" ("k" VARCHAR(4), "x" DOUBLE, "y" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (k VARCHAR(4), x DOUBLE, y INTEGER, score DOUBLE);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "k", "x", "y", ANOMALY_SCORE
          FROM TABLE(\(call));
        """
    }

    /// 400 normal rows (x around 10, y in 1...3) with one outlier (x = 60) at index 300.
    static func feed(_ driver: TopologyTestDriver, key: (Int) -> String = { _ in "a" }, outlierAt: Int = 300, count: Int = 400) {
        var random = SplitMix64(seed: 42)
        for i in 0..<count {
            let x = i == outlierAt ? 60.0 : 10 + random.nextUnit() * 2
            let y = 1 + Int(random.nextUnit() * 3)
            driver.pipe("IN", #"{"k":"\#(key(i))","x":\#(x),"y":\#(y),"t":\#(i * 100)}"#)
        }
    }

    @Test func scoresAreZeroDuringWarmUpAndTheOutlierRanksFirst() throws {
        let driver = try TopologyTestDriver(sql: Self.forestSQL(
            "RANDOM_CUT_FOREST(CURSOR(SELECT STREAM \"k\", \"x\", \"y\" FROM \"IN\"), 50, 64, 100000, 1)"))
        Self.feed(driver)
        let scores = try driver.read("OUT").map { try #require(try jsonObject($0)["SCORE"] as? Double) }
        #expect(scores.count == 400)
        // KDA: 0 until the sample (64 points) is full; then normal data sits near 1.
        #expect(scores.prefix(64).allSatisfy { $0 == 0 })
        #expect(scores[64...].allSatisfy { $0 > 0 })
        let best = scores.indices.max { scores[$0] < scores[$1] }
        #expect(best == 300)
        let normal = scores[64...].enumerated().filter { $0.offset + 64 != 300 }.map(\.element).sorted()
        let median = normal[normal.count / 2]
        #expect((0.5...1.6).contains(median))
        #expect(scores[300] > 2 * median)
    }

    @Test func explanationSumsToTheScoreAndPointsAtTheOutlierColumn() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("k" VARCHAR(4), "x" DOUBLE, "y" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (k VARCHAR(4), score DOUBLE, explanation VARCHAR(2000));
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "k", ANOMALY_SCORE, ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM "k", "x", "y" FROM "IN"), 50, 64, 100000, 1, true));
        """)
        Self.feed(driver)
        let rows = try driver.read("OUT").map(jsonObject)
        for (i, row) in rows.enumerated() where i >= 64 {
            let score = try #require(row["SCORE"] as? Double)
            let explanation = try jsonObject(try #require(row["EXPLANATION"] as? String))
            #expect(Set(explanation.keys) == ["x", "y"])
            var sum = 0.0
            for (_, value) in explanation {
                let column = try #require(value as? [String: Any])
                sum += try #require(column["ATTRIBUTION_SCORE"] as? Double)
                #expect(column["STRENGTH"] is Double)
                #expect(["HIGH", "LOW"].contains(column["DIRECTION"] as? String))
            }
            #expect(abs(sum - score) < 1e-9 * max(1, score))
        }
        let outlier = try jsonObject(try #require(rows[300]["EXPLANATION"] as? String))
        let x = try #require(outlier["x"] as? [String: Any])
        let y = try #require(outlier["y"] as? [String: Any])
        #expect(x["DIRECTION"] as? String == "HIGH")
        let xScore = try #require(x["ATTRIBUTION_SCORE"] as? Double)
        let yScore = try #require(y["ATTRIBUTION_SCORE"] as? Double)
        #expect(xScore > 3 * yScore)
    }

    @Test func withoutDirectionalityTheExplanationHasOnlyAttributionScores() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("x" DOUBLE);
        CREATE STREAM OUT (explanation VARCHAR(2000));
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM * FROM "IN"), 10, 10, 100, 1, false));
        """)
        for i in 0..<20 { driver.pipe("IN", #"{"x":\#(i % 3)}"#) }
        let last = try #require(driver.read("OUT").last)
        let explanation = try jsonObject(try #require(try jsonObject(last)["EXPLANATION"] as? String))
        let x = try #require(explanation["x"] as? [String: Any])
        #expect(Array(x.keys) == ["ATTRIBUTION_SCORE"])
    }

    @Test func partitionByKeepsOneForestPerKey() throws {
        // Key "a" lives around x = 10, key "b" around x = 60: x = 60 is normal for b, an outlier for a.
        let driver = try TopologyTestDriver(sql: Self.forestSQL(
            "RANDOM_CUT_FOREST(CURSOR(SELECT STREAM \"k\", \"x\" FROM \"IN\"), 50, 32, 100000, 1, 'PARTITION_BY=k, SEED=7')"
        ).replacingOccurrences(of: "\"k\", \"x\", \"y\", ANOMALY_SCORE", with: "\"k\", \"x\", 0, ANOMALY_SCORE"))
        var random = SplitMix64(seed: 3)
        for i in 0..<300 {
            let b = i % 2 == 1
            let x = (b ? 60.0 : 10.0) + random.nextUnit()
            driver.pipe("IN", #"{"k":"\#(b ? "b" : "a")","x":\#(i == 250 ? 60.5 : x),"y":1,"t":\#(i)}"#)
        }
        let rows = try driver.read("OUT").map(jsonObject)
        let scoresA = rows.enumerated().filter { $0.element["K"] as? String == "a" }
        let scoresB = rows.enumerated().filter { $0.element["K"] as? String == "b" }
        // Each key warms up on its own 32 rows.
        #expect(scoresA.prefix(32).allSatisfy { $0.element["SCORE"] as? Double == 0 })
        #expect(scoresB.prefix(32).allSatisfy { $0.element["SCORE"] as? Double == 0 })
        let bestA = scoresA.max { ($0.element["SCORE"] as? Double ?? 0) < ($1.element["SCORE"] as? Double ?? 0) }
        #expect(bestA?.offset == 250)
        let maxB = scoresB.compactMap { $0.element["SCORE"] as? Double }.max() ?? 0
        #expect((rows[250]["SCORE"] as? Double ?? 0) > maxB)
    }

    @Test func nullFeaturesAreReportedNotLearned() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("x" DOUBLE);
        CREATE STREAM OUT (score DOUBLE, explanation VARCHAR(2000));
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM ANOMALY_SCORE, ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM * FROM "IN"), 10, 10, 100, 1, true));
        """)
        driver.pipe("IN", #"{"x":null}"#)
        #expect(driver.read("OUT") == [#"{"SCORE":null,"EXPLANATION":"{\"ERROR\":\"feature column x is NULL\"}"}"#])
    }

    @Test func seededScoresAreDeterministic() throws {
        func run() throws -> [String] {
            let driver = try TopologyTestDriver(sql: Self.forestSQL(
                "RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 20, 32, 1000, 2, 'SEED=11')"))
            Self.feed(driver, count: 120)
            return driver.read("OUT")
        }
        let first = try run()
        #expect(first == (try run()))
        #expect(first.count == 120)
    }

    @Test func hotspotsReportTheDenseCluster() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("x" DOUBLE, "y" DOUBLE);
        CREATE STREAM OUT (x DOUBLE, result VARCHAR(4000));
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "x", HOTSPOTS_RESULT
          FROM TABLE(HOTSPOTS(CURSOR(SELECT STREAM * FROM "IN"), 100, 0.5, 5));
        """)
        var random = SplitMix64(seed: 9)
        for i in 0..<100 {
            // Every fourth point falls in the square [5, 5.3]²; the rest spread over [0, 100]².
            let (x, y) = i % 4 == 0 ? (5 + random.nextUnit() * 0.3, 5 + random.nextUnit() * 0.3) : (random.nextUnit() * 100, random.nextUnit() * 100)
            driver.pipe("IN", #"{"x":\#(x),"y":\#(y)}"#)
        }
        let last = try #require(driver.read("OUT").last)
        let result = try jsonObject(try #require(try jsonObject(last)["RESULT"] as? String))
        let hotspots = try #require(result["hotspots"] as? [[String: Any]])
        let first = try #require(hotspots.first)
        let low = try #require(first["minValues"] as? [Double])
        let high = try #require(first["maxValues"] as? [Double])
        #expect(low.allSatisfy { $0 >= 4.9 } && high.allSatisfy { $0 <= 5.4 })
        #expect(try #require(first["density"] as? Double) > 1)
    }

    @Test(arguments: [
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 0)", "numberOfTrees of RANDOM_CUT_FOREST must be in 1...1000, found 0"),
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 100, 5)", "subSampleSize of RANDOM_CUT_FOREST must be in 10...1000, found 5"),
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 100, 256, 100000, 31)", "shingleSize of RANDOM_CUT_FOREST must be in 1...30, found 31"),
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM \"s\" FROM \"IN\"))", "RANDOM_CUT_FOREST needs at least one numeric column in the CURSOR"),
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 'PARTITION_BY=nope')", "column 'nope' is not selected by the CURSOR"),
        ("RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM \"IN\"), 'COLOUR=red')", "unknown option COLOUR of RANDOM_CUT_FOREST"),
        ("RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM * FROM \"IN\"), 100, 256, 100000, 1, 3)", "withDirectionality of RANDOM_CUT_FOREST_WITH_EXPLANATION must be TRUE or FALSE"),
        ("RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM * FROM \"IN\"))", "RANDOM_CUT_FOREST_WITH_EXPLANATION takes 6 arguments (and an options string), found 1"),
        ("HOTSPOTS(CURSOR(SELECT STREAM * FROM \"IN\"), 50, 1.0, 3)", "windowSize of HOTSPOTS must be in 100...1000, found 50"),
        ("HOTSPOTS(CURSOR(SELECT STREAM * FROM \"IN\"), 100, 0, 3)", "scanRadius of HOTSPOTS must be in (0, 1e+300], found 0.0"),
        ("ANOMALY_ALERTS(CURSOR(SELECT STREAM * FROM \"IN\"), 's', 's', 3, 60)", "scoreColumn of ANOMALY_ALERTS must be a numeric column, 's' is VARCHAR(8)"),
        ("ANOMALY_ALERTS(CURSOR(SELECT STREAM * FROM \"IN\"), 'x', 's', 3, 60, 'TAIL=SIDEWAYS')", "option TAIL of ANOMALY_ALERTS must be one of HIGH, LOW, found 'SIDEWAYS'"),
    ])
    func argumentsAreCheckedWithLocations(call: String, message: String) {
        let sql = """
        CREATE STREAM "IN" ("s" VARCHAR(8), "x" DOUBLE);
        CREATE STREAM OUT (a VARCHAR(8));
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM 'a' FROM TABLE(\(call));
        """
        do {
            _ = try Analyzer.analyze(text: sql, name: "t")
            Issue.record("expected a diagnostic for \(call)")
        } catch {
            #expect(error.message == message)
            #expect(error.location.line == 3)
            #expect(!error.hint.isEmpty)
        }
    }
}
