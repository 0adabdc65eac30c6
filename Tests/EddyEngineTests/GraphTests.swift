import EddyEngine
import Testing

@Suite struct GraphTests {
    @Test func fanInFeedsRowsSlidingAndHavingDownstream() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("k" VARCHAR(4), "v" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM "IN2" ("k" VARCHAR(4), "v" INTEGER, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM MERGED (k VARCHAR(4), v INTEGER);
        CREATE PUMP A AS INSERT INTO MERGED SELECT STREAM "k", "v" FROM "IN";
        CREATE PUMP B AS INSERT INTO MERGED SELECT STREAM "k", "v" * 10 FROM "IN2";
        CREATE STREAM LAST2 (k VARCHAR(4), s BIGINT);
        CREATE PUMP C AS INSERT INTO LAST2 SELECT STREAM k, SUM(v) OVER (PARTITION BY k ROWS 1 PRECEDING) FROM MERGED;
        CREATE STREAM BIG (k VARCHAR(4), total BIGINT);
        CREATE PUMP D AS INSERT INTO BIG SELECT STREAM k, SUM(v) FROM MERGED
          GROUP BY k, STEP(MERGED.ROWTIME BY INTERVAL '1' SECOND) HAVING SUM(v) > 5;
        """)
        driver.pipe("IN", #"{"k":"a","v":1,"t":100}"#)
        driver.pipe("IN2", #"{"k":"a","v":2,"t":200}"#)
        driver.pipe("IN", #"{"k":"b","v":3,"t":300}"#)
        driver.pipe("IN", #"{"k":"a","v":4,"t":400}"#)
        #expect(driver.read("MERGED") == [#"{"K":"a","V":1}"#, #"{"K":"a","V":20}"#, #"{"K":"b","V":3}"#, #"{"K":"a","V":4}"#])
        let last2 = driver.readKeyed("LAST2")
        #expect(last2.map(\.value) == [#"{"K":"a","S":1}"#, #"{"K":"a","S":21}"#, #"{"K":"b","S":3}"#, #"{"K":"a","S":24}"#])
        #expect(last2.map(\.key) == ["a", "a", "b", "a"])
        // The watermark is the minimum over both sources (IN2 is at 200): the window is still open.
        #expect(driver.read("BIG").isEmpty)
        driver.finish()
        let big = driver.readKeyed("BIG")
        #expect(big.map(\.value) == [#"{"K":"a","TOTAL":25}"#])
        #expect(big.map(\.key) == ["a|1970-01-01T00:00:00.000Z"])
    }
}
