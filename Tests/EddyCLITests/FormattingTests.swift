@testable import eddy
import EddyKafka
import Testing

@Suite("tail formatting and produce --key extraction")
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

    @Test("--key reads top-level fields only: strings unquoted, other values as JSON text")
    func keyField() {
        let json = Array("{\"nested\":{\"id\":\"inner\"},\"id\":\"R1\",\"n\":12 ,\"flag\":true,\"arr\":[1,{\"id\":2}]}".utf8)
        #expect(JSONKeyField.value(of: Array("id".utf8), in: json) == Array("R1".utf8))
        #expect(JSONKeyField.value(of: Array("n".utf8), in: json) == Array("12".utf8))
        #expect(JSONKeyField.value(of: Array("flag".utf8), in: json) == Array("true".utf8))
        #expect(JSONKeyField.value(of: Array("arr".utf8), in: json) == Array("[1,{\"id\":2}]".utf8))
        #expect(JSONKeyField.value(of: Array("nested".utf8), in: json) == Array("{\"id\":\"inner\"}".utf8))
        #expect(JSONKeyField.value(of: Array("missing".utf8), in: json) == nil)
        #expect(JSONKeyField.value(of: Array("id".utf8), in: Array("[\"id\"]".utf8)) == nil)
    }
}
