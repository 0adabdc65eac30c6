import EddyCore
import EddySQL
import Testing

@Suite struct AnalyzerTests {
    @Test func identifiersFoldAndColumnsReadTheirSpelling() throws {
        let t = try Analyzer.analyze(text: """
        CREATE OR REPLACE STREAM src (review_id VARCHAR(14), "Mixed" INTEGER, deep DOUBLE PATH '$.a.b') WITH ('topic' = 'r');
        """, name: "t")
        let s = t.streams[t.streamIndex("SRC")!]
        #expect(s.schema.columns.map(\.name) == ["REVIEW_ID", "Mixed", "DEEP"])
        #expect(s.schema.columns.map(\.path) == [["review_id"], ["Mixed"], ["a", "b"]])
        #expect(s.schema.columns.map(\.type) == [.varchar(14), .integer, .double])
    }

    @Test func allTypesParse() throws {
        let t = try Analyzer.analyze(text: """
        CREATE STREAM S (a VARCHAR(3), b CHAR(2), c BOOLEAN, d TINYINT, e SMALLINT, f INTEGER, g BIGINT, h REAL, i DOUBLE, j DECIMAL(10,2), k DATE, l TIMESTAMP);
        """, name: "t")
        #expect(t.streams.last!.schema.columns.map(\.type.description) == ["VARCHAR(3)", "CHAR(2)", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "DECIMAL(10,2)", "DATE", "TIMESTAMP"])
    }

    @Test(arguments: [
        ("CREATE STREAM S (a INTEGER);\nCREATE STREAM O (a INTEGER);\nCREATE PUMP P AS INSERT INTO O SELECT STREAM b FROM S;", 3, 46, "unknown column B"),
        ("CREATE STREAM S (a INTEGER);\nCREATE PUMP P AS INSERT INTO O SELECT STREAM a FROM S;", 2, 1, "unknown stream \"O\""),
        ("CREATE STREAM S (a INTEGER) WITH ('topik' = 'x');", 1, 35, "unknown option 'topik'"),
        ("CREATE STREAM S (a VARCHAR(3));\nCREATE STREAM O (a INTEGER);\nCREATE PUMP P AS INSERT INTO O SELECT STREAM a + 1 FROM S;", 3, 48, "type mismatch: cannot apply + to VARCHAR(3) and INTEGER"),
        ("CREATE STREAM S (a INTEGER);\nCREATE STREAM O (n BIGINT);\nCREATE PUMP P AS INSERT INTO O SELECT STREAM COUNT(*) FROM S GROUP BY a;", 3, 71, "GROUP BY on a stream needs a window"),
        ("CREATE STREAM S (a INTEGER);\nCREATE STREAM O (n BIGINT);\nCREATE PUMP P AS INSERT INTO O SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM S), 'a', 0));", 3, 126, "windowSize (seconds) of COUNT_DISTINCT_ITEMS_TUMBLING must be in 1...86400, found 0"),
    ])
    func diagnosticsPointAtTheProblem(sql: String, line: Int, column: Int, message: String) {
        #expect(throws: Diagnostic.self) { try Analyzer.analyze(text: sql, name: "t") }
        do {
            _ = try Analyzer.analyze(text: sql, name: "t")
        } catch {
            #expect(error.message == message)
            #expect(error.location == SourceLocation(line: line, column: column))
            #expect(error.render(file: "f.sql").hasPrefix("f.sql:\(line):\(column): error: \(message)\n  hint: "))
        }
    }
}
