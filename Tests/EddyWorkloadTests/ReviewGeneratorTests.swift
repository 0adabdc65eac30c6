import Foundation
import Testing
@testable import EddyWorkload

@Suite("Review generator")
struct ReviewGeneratorTests {
    static let start: Int64 = 1_795_500_000_000

    @Test("the same seed gives identical bytes; another seed does not")
    func deterministic() {
        var first = ReviewGenerator(seed: 42, startEventTimeMillis: Self.start, eventsPerSecond: 500, anomalies: AnomalyPlan(everySeconds: 5))
        var second = ReviewGenerator(seed: 42, startEventTimeMillis: Self.start, eventsPerSecond: 500, anomalies: AnomalyPlan(everySeconds: 5))
        var other = ReviewGenerator(seed: 43, startEventTimeMillis: Self.start, eventsPerSecond: 500, anomalies: AnomalyPlan(everySeconds: 5))
        var differences = 0
        for _ in 0..<20_000 {
            let a = first.next()
            #expect(a == second.next())
            if other.next().value != a.value { differences += 1 }
        }
        #expect(differences > 19_000)
    }

    @Test("regular records are valid JSON with every review field and the right types")
    func schema() throws {
        var generator = ReviewGenerator(seed: 7, startEventTimeMillis: Self.start, eventsPerSecond: 100, anomalies: nil)
        for index in 0..<1_000 {
            let record = generator.next()
            #expect(record.anomaly == nil)
            #expect(JSONObjectValidator.problem(in: record.value) == nil)
            let object = try #require(Support.object(record.value))
            #expect(Set(object.keys) == [
                "marketplace", "customer_id", "review_id", "product_id", "product_parent", "product_title",
                "product_category", "star_rating", "helpful_votes", "total_votes", "vine", "verified_purchase",
                "review_headline", "review_body", "review_date", "event_time",
            ])
            let reviewID = try #require(object["review_id"] as? String)
            #expect(reviewID.count == 14 && reviewID.hasPrefix("R"))
            #expect(record.key == Support.bytes(reviewID))
            #expect((object["product_id"] as? String)?.count == 10)
            #expect((1...5).contains(object["star_rating"] as? Int ?? 0))
            #expect((object["helpful_votes"] as? Int ?? -1) <= (object["total_votes"] as? Int ?? -2))
            let expectedTime = Self.start + Int64(index) * 10
            #expect(object["event_time"] as? Int64 == expectedTime)
            #expect(record.eventTimeMillis == expectedTime)
            #expect(object["review_date"] as? String == "2026-11-24") // 1_795_500_000 s is 2026-11-24T06:00:00Z
        }
    }
}

@Suite("Review generator JSON lines")
struct ReviewGeneratorJSONLinesTests {
    @Test("appendJSONLines writes the same messages as next(), one per line")
    func jsonLines() {
        var viaLines = ReviewGenerator(seed: 3, startEventTimeMillis: 0, eventsPerSecond: 50, anomalies: nil)
        var viaNext = viaLines
        var output: [UInt8] = []
        viaLines.appendJSONLines(count: 200, to: &output)
        let lines = output.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.count == 201 && lines.last?.isEmpty == true)
        for line in lines.dropLast() {
            #expect(Array(line) == viaNext.next().value)
        }
    }
}
