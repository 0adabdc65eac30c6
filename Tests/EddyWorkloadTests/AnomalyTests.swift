import Foundation
import Testing
@testable import EddyWorkload

@Suite("Injected anomalies")
struct AnomalyTests {
    static let start: Int64 = 1_795_500_000_000

    /// 100 records/s, an episode every 5 s, for 25 s of event time.
    static let records: [GeneratedRecord] = {
        var plan = AnomalyPlan(everySeconds: 5)
        plan.collapseSeconds = 2
        plan.burstSeconds = 1
        plan.burstMultiplier = 10
        plan.brokenRecordCount = 8
        var generator = ReviewGenerator(seed: 11, startEventTimeMillis: start, eventsPerSecond: 100, anomalies: plan)
        var records: [GeneratedRecord] = []
        while records.last.map({ $0.eventTimeMillis < start + 25_000 }) ?? true {
            records.append(generator.next())
        }
        return records
    }()

    func offset(_ record: GeneratedRecord) -> Int64 { record.eventTimeMillis - Self.start }

    @Test("nothing unusual happens before the first episode")
    func quietStart() {
        #expect(Self.records.filter { offset($0) < 5_000 }.allSatisfy { $0.anomaly == nil })
    }

    @Test("a rating collapse hits one category at 5 s and 20 s, for 2 s, with one-star negative reviews")
    func ratingCollapse() throws {
        let collapsed = Self.records.filter { if case .ratingCollapse = $0.anomaly { true } else { false } }
        #expect(collapsed.count > 5)
        #expect(collapsed.allSatisfy { (5_000..<7_000).contains(offset($0)) || (20_000..<22_000).contains(offset($0)) })
        let first = collapsed.filter { offset($0) < 10_000 }
        let categories = Set(first.compactMap { Support.object($0.value)?["product_category"] as? String })
        #expect(categories.count == 1)
        for record in collapsed {
            let object = try #require(Support.object(record.value))
            #expect(object["star_rating"] as? Int == 1)
            #expect(record.anomaly == .ratingCollapse(category: object["product_category"] as? String ?? ""))
        }
        // Inside the window, every review of that category collapses; outside it, ratings vary again.
        let category = try #require(categories.first)
        let inWindow = Self.records.filter { (5_000..<7_000).contains(offset($0)) && Support.object($0.value)?["product_category"] as? String == category }
        #expect(inWindow.allSatisfy { $0.anomaly != nil })
    }

    @Test("a burst at 10 s sends 10x the rate from one customer on one product")
    func burst() throws {
        let burst = Self.records.filter { $0.anomaly == .burst }
        #expect(burst.allSatisfy { (10_000..<11_010).contains(offset($0)) })
        // 100 regular records fall in the 1 s burst window; each is followed by 9 spam records.
        #expect(burst.count == 900)
        let objects = try burst.map { try #require(Support.object($0.value)) }
        #expect(Set(objects.compactMap { $0["customer_id"] as? Int }).count == 1)
        #expect(Set(objects.compactMap { $0["product_id"] as? String }).count == 1)
        #expect(burst.allSatisfy { $0.key != nil })
        let inSecond = Self.records.filter { (10_000..<11_000).contains(offset($0)) }.count
        #expect(inSecond == 1_000)
        // Event time never goes backwards within the stream.
        #expect(zip(Self.records, Self.records.dropFirst()).allSatisfy { $0.eventTimeMillis <= $1.eventTimeMillis })
    }

    @Test("a broken-schema run at 15 s cycles through malformed JSON, missing field, wrong type and invalid UTF-8")
    func brokenSchema() throws {
        let broken = Self.records.filter { if case .brokenSchema = $0.anomaly { true } else { false } }
        #expect(broken.count == 8)
        #expect(broken.allSatisfy { offset($0) >= 15_000 && offset($0) < 15_100 && $0.key == nil })
        #expect(broken.map(\.anomaly) == (0..<8).map { .brokenSchema(SchemaBreak.allCases[$0 % 4]) })
        for record in broken {
            guard case .brokenSchema(let kind) = record.anomaly else { continue }
            let problem = JSONObjectValidator.problem(in: record.value)
            switch kind {
            case .malformedJSON:
                #expect(problem != nil)
            case .invalidUTF8:
                #expect(problem?.contains("UTF-8") == true)
            case .missingField:
                #expect(problem == nil)
                let object = try #require(Support.object(record.value))
                #expect(object["star_rating"] == nil && object["review_id"] != nil)
            case .wrongType:
                #expect(problem == nil)
                let object = try #require(Support.object(record.value))
                #expect(object["star_rating"] is String)
            }
        }
    }

    @Test("a generated JSON lines file reads back with exactly the broken lines malformed")
    func roundTripThroughReader() {
        var file: [UInt8] = []
        for record in Self.records {
            file += record.value
            file.append(0x0A)
        }
        let lines = Support.read(bytes: file, .jsonLines)
        #expect(lines.count == Self.records.count)
        let malformed = lines.compactMap { if case .malformed(let line, _, _) = $0 { line } else { nil } }
        let expected = Self.records.enumerated().compactMap { index, record in
            record.anomaly == .brokenSchema(.malformedJSON) || record.anomaly == .brokenSchema(.invalidUTF8) ? index + 1 : nil
        }
        #expect(malformed == expected)
        #expect(malformed.count == 4)
    }

    @Test("episode kinds rotate collapse, burst, broken schema")
    func rotation() {
        #expect((1...6).map(AnomalyPlan.kind(ofEpisode:)) == [.ratingCollapse, .burst, .brokenSchema, .ratingCollapse, .burst, .brokenSchema])
    }
}
