import Testing
@testable import EddyWorkload

@Suite("Strict JSON object validation")
struct JSONObjectValidatorTests {
    @Test("valid objects", arguments: [
        "{}", " { } ", "{\"a\":1}", "{\"a\":-0.5e+10,\"b\":0,\"c\":1E2}", "{\"a\":[],\"b\":[1,[2,{}]]}",
        "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}", "{\"emoji\":\"\\ud83d\\ude00 😀\"}", "{\"a\":true,\"b\":false,\"c\":null}",
        "{\"é\":\"ünïcödé\"}",
    ])
    func valid(_ text: String) {
        #expect(JSONObjectValidator.problem(in: Support.bytes(text)) == nil)
    }

    @Test("invalid objects", arguments: [
        "", "   ", "[]", "\"s\"", "42", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{'a':1}", "{a:1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":NaN}", "{\"a\":tru}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}", "{\"a\":1}{}",
        "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":\"tab\there\"}", "{\"a\":1} x",
    ])
    func invalid(_ text: String) {
        #expect(JSONObjectValidator.problem(in: Support.bytes(text)) != nil)
    }

    @Test("invalid UTF-8 inside a string is rejected with its column")
    func invalidUTF8() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80]] {
            let bytes = Support.bytes("{\"a\":\"x") + bad + Support.bytes("\"}")
            #expect(JSONObjectValidator.problem(in: bytes) == "invalid UTF-8 (byte 0x\(String(bad[0], radix: 16, uppercase: true))) at column 8")
        }
    }

    @Test("nesting is bounded instead of exhausting the stack")
    func depth() {
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(JSONObjectValidator.problem(in: Support.bytes(deep))?.contains("nesting deeper") == true)
        let fine = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(JSONObjectValidator.problem(in: Support.bytes(fine)) == nil)
    }
}
