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
        #expect(r.stdout.hasPrefix("rows in: 9, rows out: 7, errors: 2, late: 1, rate: "))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM.jsonl", "AVG_STAR_RATING_SQL_STREAM.jsonl", "error_stream.jsonl", "late_stream.jsonl"])
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
}
