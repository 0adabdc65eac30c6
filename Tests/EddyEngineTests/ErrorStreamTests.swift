import EddyEngine
import Testing

@Suite struct ErrorStreamTests {
    static let sql = """
    CREATE STREAM "IN" ("name" VARCHAR(5), "n" TINYINT, "t" BIGINT, "nested" INTEGER PATH '$.a.b')
      WITH ('topic' = 'in', 'rowtime' = 't');
    CREATE STREAM OUT (name VARCHAR(5));
    CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "name" FROM "IN";
    """

    @Test(arguments: [
        (#"{"name":"x","n":1,"t":1,"a":{"b":2}"#, "MALFORMED"),
        (#"{"name":"x","n":1,"a":{"b":2}}"#, "MISSING_FIELD"),
        (#"{"name":"x","n":"one","t":1,"a":{"b":2}}"#, "WRONG_TYPE"),
        (#"{"name":"abcdef","n":1,"t":1,"a":{"b":2}}"#, "VARCHAR_TOO_LONG"),
        (#"{"name":"x","n":300,"t":1,"a":{"b":2}}"#, "NUMERIC_OVERFLOW"),
        (#"{"name":"x","n":1,"t":null,"a":{"b":2}}"#, "NULL_ROWTIME"),
    ])
    func badRecordBecomesErrorRow(message: String, reason: String) throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        driver.pipe("IN", message)
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(errors.first?.contains(#""ERROR_NAME":"\#(reason)""#) == true)
        #expect(errors.first?.contains(#""TOPIC":"in","PARTITION":0,"OFFSET":0"#) == true)
        #expect(driver.read("OUT").isEmpty)
    }

    @Test func invalidUTF8IsBase64EncodedWithReason() throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        driver.pipe("IN", bytes: [0x7B, 0xFF, 0x7D])
        let errors = driver.read("error_stream")
        #expect(errors == [#"{"SOURCE_STREAM":"IN","TOPIC":"in","PARTITION":0,"OFFSET":0,"FILE":null,"LINE":null,"ERROR_NAME":"INVALID_UTF8","REASON":"invalid UTF-8 at byte 1","DATA":"e/99","DATA_ENCODING":"base64"}"#])
    }

    static func message(_ prefix: String, _ bad: [UInt8], _ suffix: String) -> [UInt8] {
        Array(prefix.utf8) + bad + Array(suffix.utf8)
    }

    /// An over-long encoding in a mapped string, a surrogate in an unmapped one, a bad byte after a wrong type.
    static let badUTF8: [([UInt8], Int)] = [
        (message(#"{"name":"a"#, [0xC0, 0x80], #"","n":1,"t":1,"a":{"b":2}}"#), 10),
        (message(#"{"zz":""#, [0xED, 0xA0, 0x80], #"","name":"x","n":1,"t":1,"a":{"b":2}}"#), 7),
        (message(#"{"n":"one","name":""#, [0xFF], #"","t":1,"a":{"b":2}}"#), 19),
    ]

    @Test(arguments: badUTF8)
    func invalidUTF8AnywhereIsTheReason(bytes: [UInt8], offset: Int) throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        driver.pipe("IN", bytes: bytes)
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(errors.first?.contains(#""ERROR_NAME":"INVALID_UTF8","REASON":"invalid UTF-8 at byte \#(offset)""#) == true)
    }

    @Test func nestedPathAndValidRecordFlowThrough() throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        driver.pipe("IN", #"{"skip":[1,{"x":"y"}],"name":"h\u00e9","n":-5,"t":3,"a":{"b":7}}"#)
        #expect(driver.read("error_stream").isEmpty)
        #expect(driver.read("OUT") == [#"{"NAME":"hé"}"#])
    }
}
