import Testing
@testable import EddyWorkload

@Suite("Record keys")
struct RecordKeyExtractorTests {
    let extractor = RecordKeyExtractor(field: "id")

    func key(_ json: String) -> String? {
        extractor.key(for: Support.bytes(json)).map(Support.text)
    }

    @Test("strings are unescaped; numbers and booleans keep their JSON text")
    func values() {
        #expect(key("{\"a\":{\"id\":\"inner\"},\"id\":\"R1\\\"x\\u00e9\"}") == "R1\"xé")
        #expect(key("{\"id\":123, \"b\":1}") == "123")
        #expect(key("{\"id\":-1.5e3}") == "-1.5e3")
        #expect(key("{\"id\":true}") == "true")
    }

    @Test("absent, null, structured values and non-objects give no key")
    func noKey() {
        #expect(key("{\"a\":1}") == nil)
        #expect(key("{\"id\":null}") == nil)
        #expect(key("{\"id\":[1]}") == nil)
        #expect(key("{\"id\":{}}") == nil)
        #expect(key("[\"id\"]") == nil)
        #expect(key("{\"id\":\"trunc") == nil)
    }

    @Test("generated reviews are keyed by review_id, the same key the generator reports")
    func generatedReviews() {
        var generator = ReviewGenerator(seed: 5, startEventTimeMillis: 0, eventsPerSecond: 10, anomalies: nil)
        let byReviewID = RecordKeyExtractor(field: "review_id")
        for _ in 0..<100 {
            let record = generator.next()
            #expect(byReviewID.key(for: record.value) == record.key)
        }
    }
}
