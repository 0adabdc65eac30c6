import Foundation
import Testing

@Suite struct ValidateRunEngineCLITests {
    @Test func validateAcceptsTheReferenceTopology() throws {
        let r = try EngineCLIHarness.run(["validate", EngineCLIHarness.repositoryRoot.appendingPathComponent("topologies/reviews.sql").path])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("reviews.sql: ok\n"))
    }

    @Test func validateReportsFileLineColumnAndHint() throws {
        let dir = try EngineCLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.sql")
        try """
        CREATE STREAM "S" ("a" INTEGER);
        CREATE STREAM "O" ("a" INTEGER);
        CREATE PUMP "P" AS INSERT INTO "O" SELECT STREAM a FROM "S";
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try EngineCLIHarness.run(["validate", file.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(file.path):3:50: error: unknown column A\n  hint: unquoted names fold to upper case: write \"a\" in double quotes"))
    }

    @Test func explainPrintsTheGraphAndDot() throws {
        let sql = EngineCLIHarness.repositoryRoot.appendingPathComponent("topologies/reviews.sql").path
        let text = try EngineCLIHarness.run(["explain", sql])
        #expect(text.status == 0)
        #expect(text.stdout.contains("pump \"AVG_STAR_RATING_SQL_STREAM_PUMP\": \"SOURCE_SQL_STREAM_001\" -> [tumbling 10000 ms"))
        // reviews.sql sets no 'state_retention': its source shows the default.
        #expect(text.stdout.contains("lateness=5000ms state_retention=24h (default)\n"), "\(text.stdout)")
        let dot = try EngineCLIHarness.run(["explain", sql, "--dot"])
        #expect(dot.stdout.hasPrefix("digraph \"reviews\" {"))
    }

    @Test func runWritesOneFilePerBoundStreamAndASummary() throws {
        let dir = try EngineCLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try EngineCLIHarness.run([
            "run", "topologies/reviews.sql",
            "--input", "SOURCE_SQL_STREAM_001=topologies/golden/reviews/SOURCE_SQL_STREAM_001.jsonl",
            "--output-dir", dir.path,
        ], in: EngineCLIHarness.repositoryRoot)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("rows in: 9, rows out: 21, errors: 2, late: 1, rate: "))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM.jsonl", "AVG_STAR_RATING_SQL_STREAM.jsonl", "MESSAGE_COUNTS_SQL_STREAM.jsonl",
                          "REVIEW_ALERTS.jsonl", "REVIEW_ANOMALY_SQL_STREAM.jsonl", "TOP_PRODUCTS_SQL_STREAM.jsonl",
                          "error_stream.jsonl", "late_stream.jsonl"])
        for file in files {
            let actual = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let expected = try String(contentsOf: EngineCLIHarness.repositoryRoot.appendingPathComponent("topologies/golden/reviews/expected.\(file)"), encoding: .utf8)
            #expect(actual == expected, "\(file)")
        }
    }

    @Test func runRejectsAnUnknownInputStream() throws {
        let dir = try EngineCLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try EngineCLIHarness.run(["run", "topologies/reviews.sql", "--input", "NOPE=topologies/golden/reviews/SOURCE_SQL_STREAM_001.jsonl", "--output-dir", dir.path],
                                         in: EngineCLIHarness.repositoryRoot)
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown source stream \"NOPE\""))
    }

    @Test func runReadsCSVIntoAJSONSourceAndReportsBadRows() throws {
        let dir = try EngineCLIHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("reviews.csv")
        try """
        marketplace,customer_id,review_id,product_id,product_parent,product_category,star_rating,helpful_votes,total_votes,review_body,event_time
        US,1,R1,P1,11,Books,5,0,0,good,1795496400000
        US,3,"R3,x",P3,13,Books,2,0,0,bad,1795496402000
        broken,"

        """.write(to: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try EngineCLIHarness.run(["run", "topologies/reviews.sql", "--input", "SOURCE_SQL_STREAM_001=\(csv.path)", "--output-dir", out.path],
                                         in: EngineCLIHarness.repositoryRoot)
        #expect(r.status == 0)
        let averages = try String(contentsOf: out.appendingPathComponent("AVG_STAR_RATING_SQL_STREAM.jsonl"), encoding: .utf8)
        #expect(averages == #"{"ROWTIME":"2026-11-24T05:00:10.000Z","PRODUCT_CATEGORY":"Books","WINDOW_START":"2026-11-24T05:00:00.000Z","AVG_STAR_RATING":3.5,"REVIEW_COUNT":2,"AVG_SENTIMENT":-0.05094628689323594,"APPROX_REVIEW_COUNT":2,"DISTINCT_REVIEWERS":2}"# + "\n")
        let errors = try String(contentsOf: out.appendingPathComponent("error_stream.jsonl"), encoding: .utf8)
        #expect(errors.contains(#""LINE":4,"ERROR_NAME":"MALFORMED","REASON":"unterminated quoted field 2""#))
    }
}
