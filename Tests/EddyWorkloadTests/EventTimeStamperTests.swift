import Foundation
import Testing
@testable import EddyWorkload

@Suite("Event time")
struct EventTimeStamperTests {
    static let now: Int64 = 1_795_500_000_123

    func stamped(_ json: String, field: String? = nil) throws(EventTimeError) -> String {
        Support.text(try EventTimeStamper(sourceField: field).stamp(Support.bytes(json), nowMillis: Self.now))
    }

    @Test("a record that has event_time is unchanged")
    func alreadyStamped() throws {
        #expect(try stamped("{\"event_time\":5,\"d\":\"2020-01-01\"}", field: "d") == "{\"event_time\":5,\"d\":\"2020-01-01\"}")
        #expect(try stamped("{\"x\":{\"event_time\":1},\"event_time\":\"later\"}") == "{\"x\":{\"event_time\":1},\"event_time\":\"later\"}")
    }

    @Test("without a source field the record gets now; nested event_time does not count")
    func now() throws {
        #expect(try stamped("{\"a\":1}") == "{\"a\":1,\"event_time\":1795500000123}")
        #expect(try stamped(" { } ") == " { \"event_time\":1795500000123} ")
        #expect(try stamped("{\"x\":{\"event_time\":1}}") == "{\"x\":{\"event_time\":1},\"event_time\":1795500000123}")
    }

    // Expected values computed independently: `date -u -d '2015-08-31' +%s` = 1440979200, etc.
    @Test("dates, ISO-8601 timestamps and epoch numbers convert to epoch milliseconds UTC", arguments: [
        ("\"2015-08-31\"", Int64(1_440_979_200_000)),
        ("\"2016-02-29\"", Int64(1_456_704_000_000)),
        ("\"1969-12-31\"", Int64(-86_400_000)),
        ("\"2026-11-24T05:00:10Z\"", Int64(1_795_496_410_000)),
        ("\"2026-11-24T05:00:10.5Z\"", Int64(1_795_496_410_500)),
        ("\"2026-11-24T05:00:10.123456Z\"", Int64(1_795_496_410_123)),
        ("\"2026-11-24 05:00:10\"", Int64(1_795_496_410_000)),
        ("\"2026-11-24T06:00:10+01:00\"", Int64(1_795_496_410_000)),
        ("\"2026-11-24T00:00:10-0500\"", Int64(1_795_496_410_000)),
        ("\"2026-11-24T05:00\"", Int64(1_795_496_400_000)),
        ("1795496410", Int64(1_795_496_410_000)),
        ("1795496410123", Int64(1_795_496_410_123)),
        ("1795496410.25", Int64(1_795_496_410_250)),
        ("\"1795496410\"", Int64(1_795_496_410_000)),
        ("0", Int64(0)),
    ])
    func conversions(value: String, expected: Int64) throws {
        let result = try stamped("{\"when\":\(value)}", field: "when")
        #expect(result == "{\"when\":\(value),\"event_time\":\(expected)}")
    }

    @Test("unparseable values and missing fields are errors with the reason", arguments: [
        "\"2026-13-01\"", "\"2026-02-30\"", "\"yesterday\"", "\"2026-11-24T25:00:00Z\"", "\"2026-11-24T05:00:10Q\"",
        "true", "null", "{\"a\":1}", "[1]", "\"\"",
    ])
    func unparseable(value: String) {
        let error = #expect(throws: EventTimeError.self) {
            _ = try stamped("{\"when\":\(value)}", field: "when")
        }
        #expect(error?.reason.hasPrefix("event-time field 'when' has \(value.prefix(64)), which is not a date") == true)
    }

    @Test("a missing source field and a non-object record are errors")
    func missing() {
        #expect(throws: EventTimeError(reason: "event-time field 'review_date' is missing")) {
            _ = try stamped("{\"a\":1}", field: "review_date")
        }
        #expect(throws: EventTimeError(reason: "record is not a JSON object")) { _ = try stamped("[1,2]") }
    }

    @Test("keys with escapes are matched by their decoded name")
    func escapedKeys() throws {
        #expect(try stamped("{\"w\\u0068en\":\"2015-08-31\"}", field: "when") == "{\"w\\u0068en\":\"2015-08-31\",\"event_time\":1440979200000}")
        #expect(try stamped("{\"event\\u005ftime\":1}") == "{\"event\\u005ftime\":1}")
    }

    @Test("Amazon TSV rows get event_time from review_date")
    func amazonDates() throws {
        let stamper = EventTimeStamper(sourceField: "review_date")
        for json in Support.records(Support.read(AmazonReviewsSample.file, .tsv)) {
            let object = try #require(Support.object(try stamper.stamp(json, nowMillis: Self.now)))
            let date = try #require(object["review_date"] as? String)
            #expect(object["event_time"] as? Int64 == (date == "2015-08-31" ? 1_440_979_200_000 : 1_440_892_800_000))
        }
    }
}
