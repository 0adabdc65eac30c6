import EddyEngine
import Testing

let source = """
CREATE STREAM "IN" ("cat" VARCHAR(8), "v" INTEGER, "t" BIGINT)
  WITH ('topic' = 'in', 'rowtime' = 't', 'lateness' = '1 SECOND', 'idle_timeout' = '10 SECONDS');
"""

@Suite struct WindowTests {
    @Test func tumblingWindowAggregatesFireOnWatermarkWithDefaultKeys() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (cat VARCHAR(8), ws TIMESTAMP, n BIGINT, s BIGINT, lo INTEGER, hi INTEGER, a DOUBLE, sd DOUBLE, f INTEGER, l INTEGER);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM "cat", STEP(i.ROWTIME BY INTERVAL '10' SECOND), COUNT(*), SUM("v"), MIN("v"), MAX("v"), AVG("v"),
                        STDDEV_POP("v"), FIRST_VALUE("v"), LAST_VALUE("v")
          FROM "IN" AS i GROUP BY "cat", STEP(i.ROWTIME BY INTERVAL '10' SECOND);
        """)
        driver.pipe("IN", #"{"cat":"b","v":2,"t":1000}"#)
        driver.pipe("IN", #"{"cat":"a","v":4,"t":2000}"#)
        driver.pipe("IN", #"{"cat":"b","v":6,"t":9000}"#)
        #expect(driver.read("OUT").isEmpty)
        // Watermark = 11000 - 1000 = 10000 reaches the end of [0, 10000).
        driver.pipe("IN", #"{"cat":"a","v":1,"t":11000}"#)
        let rows = driver.readKeyed("OUT")
        #expect(rows.map(\.key) == ["a|1970-01-01T00:00:00.000Z", "b|1970-01-01T00:00:00.000Z"])
        #expect(rows[1].value == #"{"CAT":"b","WS":"1970-01-01T00:00:00.000Z","N":2,"S":8,"LO":2,"HI":6,"A":4.0,"SD":2.0,"F":2,"L":6}"#)
        driver.finish()
        #expect(driver.read("OUT") == [#"{"CAT":"a","WS":"1970-01-01T00:00:10.000Z","N":1,"S":1,"LO":1,"HI":1,"A":1.0,"SD":0.0,"F":1,"L":1}"#])
    }

    @Test func idlePartitionDoesNotHoldTheWatermarkBack() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (n BIGINT);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM COUNT(*) FROM "IN" GROUP BY FLOOR("IN".ROWTIME TO SECOND);
        """)
        driver.advance(to: 0)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":500}"#, partition: 1)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":100}"#, partition: 0)
        driver.advance(to: 5000)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":5000}"#, partition: 1)
        // Partition 0 is active and at 100 - 1000: nothing fires.
        #expect(driver.read("OUT").isEmpty)
        driver.advance(to: 16000)
        // Partition 0 has been idle for more than 10 s: the watermark follows partition 1 (4000).
        #expect(driver.read("OUT") == [#"{"N":2}"#])
    }

    /// The engine skips recomputing the watermark when a partition that was not the slowest rises;
    /// windows must still fire exactly when the slowest partition (whichever it is by then) passes them.
    @Test func watermarkFollowsWhicheverPartitionIsSlowest() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (ws TIMESTAMP, n BIGINT);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM STEP("IN".ROWTIME BY INTERVAL '10' SECOND), COUNT(*)
          FROM "IN" GROUP BY STEP("IN".ROWTIME BY INTERVAL '10' SECOND);
        """)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":1000}"#, partition: 0)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":5000}"#, partition: 1)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":9000}"#, partition: 2)
        // Partitions 1 and 2 race ahead; partition 0 (watermark 0) holds every window.
        driver.pipe("IN", #"{"cat":"a","v":1,"t":20000}"#, partition: 1)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":30000}"#, partition: 2)
        #expect(driver.read("OUT").isEmpty)
        // Partition 0 moves to 12000: the slowest is now partition 1 at 20000 - 1000, past [0, 10 s).
        driver.pipe("IN", #"{"cat":"a","v":1,"t":12000}"#, partition: 0)
        #expect(driver.read("OUT") == [#"{"WS":"1970-01-01T00:00:00.000Z","N":3}"#])
        // Partition 0 overtakes: partition 1 (19000) now holds [10 s, 20 s) until it reaches 21000.
        driver.pipe("IN", #"{"cat":"a","v":1,"t":25000}"#, partition: 0)
        #expect(driver.read("OUT").isEmpty)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":21000}"#, partition: 1)
        #expect(driver.read("OUT") == [#"{"WS":"1970-01-01T00:00:10.000Z","N":1}"#])
    }

    @Test func onlySourcesWithoutARowtimeColumnUseTheKafkaTimestamp() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM "BY_KAFKA_TIME" ("v" INTEGER) WITH ('topic' = 'other');
        CREATE STREAM OUT (v INTEGER);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "v" FROM "IN";
        CREATE PUMP Q AS INSERT INTO OUT SELECT STREAM "v" FROM "BY_KAFKA_TIME";
        """)
        let engine = driver.engine
        #expect(engine.usesKafkaTimestamp(source: engine.sourceIndex(named: "IN")!) == false)
        #expect(engine.usesKafkaTimestamp(source: engine.sourceIndex(named: "BY_KAFKA_TIME")!) == true)
    }

    @Test func lateRowsGoToLateStreamAndAreCounted() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (v INTEGER);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "v" FROM "IN" WHERE "v" > 0;
        """)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":10000}"#)
        driver.pipe("IN", #"{"cat":"a","v":2,"t":8500}"#)
        driver.pipe("IN", #"{"cat":"a","v":3,"t":9500}"#)
        #expect(driver.read("OUT") == [#"{"V":1}"#, #"{"V":3}"#])
        let late = driver.read("late_stream")
        #expect(late.count == 1)
        #expect(late[0].contains(#""EVENT_TIME":"1970-01-01T00:00:08.500Z","WATERMARK":"1970-01-01T00:00:09.000Z""#))
        #expect(driver.engine.statistics.lateRows == 1)
    }

    @Test func slidingWindowEmitsOneRowPerInputWithLag() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (cat VARCHAR(8), total BIGINT, prev INTEGER);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM "cat", SUM("v") OVER w, LAG("v", 1) OVER w FROM "IN"
          WINDOW w AS (PARTITION BY "cat" RANGE INTERVAL '2' SECOND PRECEDING);
        """)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":1000}"#)
        driver.pipe("IN", #"{"cat":"a","v":2,"t":2000}"#)
        driver.pipe("IN", #"{"cat":"b","v":5,"t":2500}"#)
        driver.pipe("IN", #"{"cat":"a","v":4,"t":4000}"#)
        #expect(driver.read("OUT") == [#"{"CAT":"a","TOTAL":1,"PREV":null}"#, #"{"CAT":"a","TOTAL":3,"PREV":1}"#,
                                       #"{"CAT":"b","TOTAL":5,"PREV":null}"#, #"{"CAT":"a","TOTAL":6,"PREV":2}"#])
    }

    @Test func staggerWindowOpensAtFirstRowOfEachKey() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (cat VARCHAR(8), n BIGINT);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "cat", COUNT(*) FROM "IN"
          WINDOWED BY STAGGER (PARTITION BY "cat" RANGE INTERVAL '5' SECOND);
        """)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":1000}"#)
        driver.pipe("IN", #"{"cat":"b","v":1,"t":3000}"#)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":5500}"#)
        driver.pipe("IN", #"{"cat":"a","v":1,"t":7100}"#)
        // Watermark 6100 closes a's window [1000, 6000); b's [3000, 8000) stays open.
        #expect(driver.readKeyed("OUT").map(\.value) == [#"{"CAT":"a","N":2}"#])
        driver.finish()
        #expect(driver.read("OUT") == [#"{"CAT":"b","N":1}"#, #"{"CAT":"a","N":1}"#])
    }

    @Test func keyOptionOverridesDefaultKey() throws {
        let driver = try TopologyTestDriver(sql: source + """
        CREATE STREAM OUT (cat VARCHAR(8), v INTEGER) WITH ('topic' = 'out', 'key' = 'v,cat');
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM UPPER("cat") || '!', "v" * 2 FROM "IN";
        """)
        driver.pipe("IN", #"{"cat":"a","v":21,"t":1}"#)
        let rows = driver.readKeyed("OUT")
        #expect(rows.map(\.key) == ["42|A!"])
        #expect(rows.map(\.value) == [#"{"CAT":"A!","V":42}"#])
    }
}
