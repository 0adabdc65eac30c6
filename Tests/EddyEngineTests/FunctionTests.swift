import EddyEngine
import Testing

@Suite struct FunctionTests {
    @Test func scalarFunctionsEvaluate() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("s" VARCHAR(40), "x" DOUBLE, "n" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (a VARCHAR(40), b INTEGER, c INTEGER, d VARCHAR(40), e TIMESTAMP, f VARCHAR(40), g DOUBLE,
                           h DOUBLE, i DOUBLE, j BIGINT, k BIGINT, l BOOLEAN, m VARCHAR(40));
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM REGEX_REPLACE("s", '[0-9]+', '#'), CHAR_LENGTH("s"), POSITION('lo' IN "s"), SUBSTRING("s" FROM 2 FOR 3),
                 CHAR_TO_TIMESTAMP('yyyy-MM-dd HH:mm:ss', '2026-11-24 05:00:10'),
                 TIMESTAMP_TO_CHAR('yyyy/MM/dd HH:mm:ss.SSS', i.ROWTIME),
                 ROUND("x", 1), CEIL("x"), POWER("x", 2), ABS("n"),
                 TSDIFF(i.ROWTIME, i.ROWTIME - INTERVAL '1' MINUTE), "s" IS NULL, TRIM(LEADING 'h' FROM "s")
          FROM "IN" AS i;
        """)
        driver.pipe("IN", #"{"s":"hello42world7","x":-2.25,"n":-3,"t":1795496410123}"#)
        #expect(driver.read("OUT") == [
            #"{"A":"hello#world#","B":13,"C":4,"D":"ell","E":"2026-11-24T05:00:10.000Z","F":"2026/11/24 05:00:10.123","G":-2.3,"H":-2.0,"I":5.0625,"J":3,"K":60000,"L":false,"M":"ello42world7"}"#,
        ])
    }

    @Test func nullsPropagateAndCaseChoosesBranches() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("v" INTEGER);
        CREATE STREAM OUT (label VARCHAR(10), doubled INTEGER, missing BOOLEAN);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM CASE WHEN "v" > 10 THEN 'big' WHEN "v" IS NULL THEN 'none' ELSE 'small' END, "v" * 2, "v" IS NULL FROM "IN";
        """)
        driver.pipe("IN", #"{"v":20}"#)
        driver.pipe("IN", #"{"v":null}"#)
        driver.pipe("IN", #"{"v":3}"#)
        #expect(driver.read("OUT") == [
            #"{"LABEL":"big","DOUBLED":40,"MISSING":false}"#,
            #"{"LABEL":"none","DOUBLED":null,"MISSING":true}"#,
            #"{"LABEL":"small","DOUBLED":6,"MISSING":false}"#,
        ])
    }

    @Test func csvSourceDecodesFieldsInColumnOrder() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("name" VARCHAR(10), "score" DOUBLE, "ok" BOOLEAN) WITH ('format' = 'csv');
        CREATE STREAM OUT (name VARCHAR(10), score DOUBLE, ok BOOLEAN);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM * FROM "IN";
        """)
        driver.pipe("IN", #""Smith, J",4.5,true"#)
        driver.pipe("IN", "x,1")
        #expect(driver.read("OUT") == [#"{"NAME":"Smith, J","SCORE":4.5,"OK":true}"#])
        #expect(driver.read("error_stream").first?.contains(#""REASON":"malformed CSV: expected 3 fields, found 2""#) == true)
    }
}
