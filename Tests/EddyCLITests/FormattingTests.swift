@testable import eddy
import EddyKafka
import Testing

@Suite("tail formatting")
struct FormattingTests {
    private func record(_ value: String, key: String? = nil) -> KafkaRecord {
        KafkaRecord(topic: "t", partition: 1, offset: 42, timestampMillis: 0, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: [])
    }

    @Test("JSON mode prints single-line JSON as is, compacts multi-line JSON, quotes non-JSON")
    func jsonLines() {
        let formatter = TailFormatter(json: true)
        #expect(formatter.format(record("{\"b\":1,\"a\":[1,2]}")) == "{\"b\":1,\"a\":[1,2]}")
        #expect(formatter.format(record("{\n  \"a\" : 1\n}")) == "{\"a\":1}")
        #expect(formatter.format(record("plain \"text\"")) == "\"plain \\\"text\\\"\"")
    }

    @Test("Readable mode shows alerts as one summary line and other JSON pretty under a header")
    func readable() {
        let formatter = TailFormatter(json: false)
        let alert = formatter.format(record("{\"kind\":\"rating_drop\",\"summary\":\"Books fell to 1.4 stars\",\"event_time\":1440979200000}"))
        #expect(alert == "2015-08-31T00:00:00.000Z  RATING_DROP  Books fell to 1.4 stars")
        let plain = formatter.format(record("{\"z\":1,\"a\":\"x\"}", key: "k1"))
        #expect(plain == "t[1]@42 key=k1\n{\n  \"a\" : \"x\",\n  \"z\" : 1\n}")
    }
}
