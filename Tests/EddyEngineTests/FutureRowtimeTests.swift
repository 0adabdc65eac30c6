import EddyEngine
import EddySQL
import Foundation
import Testing

/// The far-future guard (`max_future_skew`), the empty/null distinction and the bound on `DATA`:
/// poison records that must become error rows without disturbing event time.
@Suite struct FutureRowtimeTests {
    static let now: Int64 = 1_795_500_000_000

    static func sql(options: String = "") -> String {
        """
        CREATE STREAM "IN" ("k" VARCHAR(4), "v" INTEGER, "t" BIGINT)
          WITH ('topic' = 'in', 'rowtime' = 't'\(options));
        CREATE STREAM OUT (k VARCHAR(4), window_start TIMESTAMP, total BIGINT);
        CREATE PUMP P AS INSERT INTO OUT
          SELECT STREAM "k", STEP("IN".ROWTIME BY INTERVAL '1' SECOND), SUM(CAST("v" AS BIGINT))
          FROM "IN" GROUP BY "k", STEP("IN".ROWTIME BY INTERVAL '1' SECOND);
        """
    }

    /// A driver whose processing clock is `now` and follows real time, as in the Kafka runtime.
    static func driver(options: String = "") throws -> TopologyTestDriver {
        let driver = try TopologyTestDriver(sql: sql(options: options))
        driver.engine.checksFutureRowtimes = true
        driver.advance(to: now)
        return driver
    }

    static func record(_ k: String, _ v: Int, _ t: Int64) -> String { #"{"k":"\#(k)","v":\#(v),"t":\#(t)}"# }

    static func field(_ row: String, _ name: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any] else { return nil }
        return object[name].map { "\($0)" }
    }

    @Test func farFutureRowtimeIsAnErrorAndLeavesTheWatermark() throws {
        let driver = try Self.driver()
        let start = Self.now - 10_000
        driver.pipe("IN", Self.record("a", 1, start))
        let watermark = driver.engine.watermark
        // Years ahead: a producer's clock or a seconds/microseconds mix-up.
        driver.pipe("IN", Self.record("a", 100, Self.now + 5 * 365 * 86_400_000))
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(Self.field(errors[0], "ERROR_NAME") == "FUTURE_ROWTIME")
        let reason = Self.field(errors[0], "REASON") ?? ""
        #expect(reason.contains("max_future_skew (1 HOUR)"), "\(reason)")
        #expect(reason.contains("2031-"), "names the rowtime: \(reason)")
        #expect(Self.field(errors[0], "OFFSET") == "1")
        #expect(driver.engine.watermark == watermark)
        #expect(driver.engine.highestRowtime == start)

        // Later records are on time, and the window holds only the good records.
        driver.pipe("IN", Self.record("a", 2, start + 10))
        driver.pipe("IN", Self.record("a", 0, start + 5_000))
        #expect(driver.read("late_stream").isEmpty)
        #expect(driver.read("OUT").contains(#"{"K":"a","WINDOW_START":"2026-11-24T05:59:50.000Z","TOTAL":3}"#))
        #expect(driver.engine.statistics.errors == 1)
        #expect(driver.engine.statistics.lateRows == 0)
    }

    @Test func theSkewIsInclusiveAndFollowsProcessingTime() throws {
        let driver = try Self.driver(options: ", 'max_future_skew' = '30 SECONDS'")
        driver.pipe("IN", Self.record("a", 1, Self.now + 30_000))
        driver.pipe("IN", Self.record("a", 1, Self.now + 30_001))
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(Self.field(errors[0], "OFFSET") == "1")
        #expect(Self.field(errors[0], "REASON")?.contains("max_future_skew (30 SECONDS)") == true)
        // Once processing time has caught up, the same rowtime is accepted.
        driver.advance(to: Self.now + 1)
        driver.pipe("IN", Self.record("a", 1, Self.now + 30_001))
        #expect(driver.read("error_stream").isEmpty)
        #expect(driver.engine.statistics.errors == 1)
    }

    @Test func noneTurnsTheGuardOff() throws {
        let driver = try Self.driver(options: ", 'max_future_skew' = 'none'")
        driver.pipe("IN", Self.record("a", 1, Self.now + 10 * 365 * 86_400_000))
        #expect(driver.read("error_stream").isEmpty)
        #expect(driver.engine.highestRowtime == Self.now + 10 * 365 * 86_400_000)
    }

    @Test func replayWithoutARealClockDoesNotCheck() throws {
        // Replay's processing time is the highest rowtime so far: a gap in history is not a skew.
        let driver = try TopologyTestDriver(sql: Self.sql())
        driver.pipe("IN", Self.record("a", 1, Self.now))
        driver.pipe("IN", Self.record("a", 1, Self.now + 86_400_000))
        #expect(driver.read("error_stream").isEmpty)
    }

    @Test func messageTimestampRowtimesAreCheckedToo() throws {
        let driver = try TopologyTestDriver(sql: """
            CREATE STREAM "IN" ("k" VARCHAR(4)) WITH ('topic' = 'in');
            CREATE STREAM OUT (k VARCHAR(4));
            CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "k" FROM "IN";
            """)
        driver.engine.checksFutureRowtimes = true
        driver.advance(to: Self.now)
        driver.pipe("IN", #"{"k":"a"}"#, timestamp: Self.now + 2 * 3_600_000)
        driver.pipe("IN", #"{"k":"b"}"#, timestamp: Self.now)
        #expect(driver.read("error_stream").map { Self.field($0, "ERROR_NAME") } == ["FUTURE_ROWTIME"])
        #expect(driver.read("OUT") == [#"{"K":"b"}"#])
    }

    @Test(arguments: ["'soon'", "'-5 SECONDS'", "'1 FORTNIGHT'"])
    func badSkewIsADiagnostic(value: String) {
        #expect(throws: Diagnostic.self) { try Analyzer.analyze(text: Self.sql(options: ", 'max_future_skew' = \(value)"), name: "t") }
    }

    @Test func defaultSkewIsOneHour() throws {
        let topology = try Analyzer.analyze(text: Self.sql(), name: "t")
        #expect(topology.streams.first { $0.name == "IN" }?.binding.maxFutureSkewMillis == 3_600_000)
    }

    @Test func emptyMessageAndNullValueHaveTheirOwnReasons() throws {
        let driver = try Self.driver()
        driver.pipe("IN", bytes: [])
        driver.engine.rejectNullValue(source: driver.engine.sourceIndex(named: "IN")!, partition: 2, offset: 7,
                                      origin: RecordOrigin(topic: "in"))
        let errors = driver.read("error_stream")
        #expect(errors.count == 2)
        #expect(errors.map { Self.field($0, "ERROR_NAME") } == ["EMPTY_MESSAGE", "NULL_VALUE"])
        #expect(errors.map { Self.field($0, "REASON") } == ["empty message", "null value (tombstone)"])
        #expect(Self.field(errors[1], "PARTITION") == "2" && Self.field(errors[1], "OFFSET") == "7")
        #expect(Self.field(errors[1], "DATA") == "")
        #expect(driver.engine.statistics.errors == 2)
        #expect(driver.engine.statistics.recordsIn == 2)
    }

    @Test func explicitNullIsNullButAMissingFieldIsAnError() throws {
        let driver = try Self.driver()
        driver.pipe("IN", #"{"k":"a","v":null,"t":\#(Self.now - 5_000)}"#)
        driver.pipe("IN", #"{"k":"a","t":\#(Self.now - 5_000)}"#)
        driver.pipe("IN", #"{"k":"a","v":4,"t":\#(Self.now - 5_000),"added":[1,{"x":null}]}"#)
        driver.pipe("IN", Self.record("a", 0, Self.now))
        let errors = driver.read("error_stream")
        #expect(errors.map { Self.field($0, "ERROR_NAME") } == ["MISSING_FIELD"])
        #expect(Self.field(errors[0], "OFFSET") == "1")
        // The NULL is skipped by SUM; the added field is ignored.
        #expect(driver.read("OUT") == [#"{"K":"a","WINDOW_START":"2026-11-24T05:59:55.000Z","TOTAL":4}"#])
    }

    @Test func dataOfAHugePayloadIsCutAtACharacterBoundary() throws {
        let driver = try Self.driver()
        // 'é' is two bytes: with an odd prefix the byte limit falls inside one.
        let big = #"{"k":"x"# + String(repeating: "é", count: 100_000) + #"","v":1,"t":1}"#
        driver.pipe("IN", big)
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(Self.field(errors[0], "ERROR_NAME") == "VARCHAR_TOO_LONG")
        #expect(Self.field(errors[0], "DATA_ENCODING") == "text")
        let data = Self.field(errors[0], "DATA") ?? ""
        #expect(data.utf8.count == Engine.maximumDataBytes - 1)
        #expect(big.hasPrefix(data))
        #expect(Self.field(errors[0], "REASON")?.hasSuffix("(DATA holds the first 65535 of \(big.utf8.count) bytes)") == true)
    }

    @Test func dataOfAHugeBinaryPayloadIsCutBeforeBase64() throws {
        let driver = try Self.driver()
        let bytes = [UInt8](repeating: 0xFF, count: 100_000)
        driver.pipe("IN", bytes: bytes)
        let errors = driver.read("error_stream")
        #expect(Self.field(errors[0], "DATA_ENCODING") == "base64")
        #expect(Data(base64Encoded: Self.field(errors[0], "DATA") ?? "")?.count == Engine.maximumDataBytes)
    }
}
