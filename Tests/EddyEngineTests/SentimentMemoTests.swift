import EddyEngine
import Foundation
import Testing

/// SENTIMENT calls of one engine share a memo of the last text scored (reviews.sql scores
/// "review_body" in two pumps per record): it must give every call its own text's score.
@Suite struct SentimentMemoTests {
    @Test func pumpsScoringTheSameAndOtherColumnsEachGetTheirOwnTextsScore() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("a" VARCHAR(64), "b" VARCHAR(64));
        CREATE STREAM ONE (s DOUBLE);
        CREATE STREAM BOTH (sa DOUBLE, sb DOUBLE, again DOUBLE);
        CREATE PUMP P1 AS INSERT INTO ONE SELECT STREAM SENTIMENT("a") FROM "IN";
        CREATE PUMP P2 AS INSERT INTO BOTH SELECT STREAM SENTIMENT("b"), SENTIMENT("a"), SENTIMENT("a") FROM "IN";
        """)
        // Equal lengths, opposite meanings, alternating: a memo keyed by length or position would
        // hand one text the other's score.
        let texts = [("I love it", "I hate it"), ("I hate it", "I love it"), ("I love it", "I love it"), ("", "I hate it")]
        for (a, b) in texts { driver.pipe("IN", #"{"a":"\#(a)","b":"\#(b)"}"#) }
        driver.pipe("IN", #"{"a":null,"b":"I hate it"}"#)
        let one = try driver.read("ONE").map { try jsonObject($0)["S"] as? Double }
        let both = try driver.read("BOTH").map(jsonObject)
        #expect(one.count == 5 && both.count == 5)
        let love = try #require(one[0]), hate = try #require(one[1])
        #expect(love > 0.5 && hate < -0.5)
        #expect(one == [love, hate, love, 0, nil])
        #expect(both.map { $0["SA"] as? Double } == [hate, love, love, hate, hate])
        #expect(both.map { $0["SB"] as? Double } == one)
        #expect(both.map { $0["AGAIN"] as? Double } == one)
    }
}
