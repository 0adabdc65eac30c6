import EddyEngine
import Testing

/// Bad input never crashes and is never dropped: every message becomes an output row or an error row.
@Suite struct RobustnessTests {
    static let sql = """
    CREATE STREAM "IN" ("name" VARCHAR(8), "n" INTEGER, "x" DOUBLE, "t" TIMESTAMP, "deep" BOOLEAN PATH '$.a.b')
      WITH ('topic' = 'in', 'rowtime' = 't');
    CREATE STREAM OUT (name VARCHAR(8)) WITH ('topic' = 'out');
    CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "name" FROM "IN";
    """

    /// xorshift64*, seeded: the same mutations every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test func mutatedMessagesBecomeRowsOrErrors() throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        let valid = Array(#"{"name":"ab\u00e9","n":-12,"x":1.5e3,"t":"2026-11-24T05:00:00.000Z","a":{"b":true},"z":[1,{"q":null}]}"#.utf8)
        var random = Random(state: 0x9E37_79B9_7F4A_7C15)
        let count = 3000
        let alphabet = Array("{}[]\",:\\0-e.tfn ".utf8)
        for _ in 0..<count {
            var bytes = valid
            for _ in 0..<(1 + random.below(4)) {
                switch random.below(3) {
                case 0: bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: random.below(bytes.count))
                default: bytes.insert(alphabet[random.below(alphabet.count)], at: random.below(bytes.count))
                }
            }
            driver.pipe("IN", bytes: bytes)
        }
        let outputs = driver.read("OUT").count, errors = driver.read("error_stream").count, late = driver.read("late_stream").count
        #expect(outputs + errors + late == count)
        #expect(errors > 0 && outputs > 0)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let driver = try TopologyTestDriver(sql: Self.sql)
        driver.pipe("IN", "{\"z\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}")
        let errors = driver.read("error_stream")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("nesting deeper than 256 levels") == true)
    }

    @Test func extremeValuesDoNotTrap() throws {
        let driver = try TopologyTestDriver(sql: """
        CREATE STREAM "IN" ("v" BIGINT, "t" BIGINT) WITH ('rowtime' = 't');
        CREATE STREAM OUT (q BIGINT, r BIGINT, n BIGINT);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "v" / -1, MOD("v", -1), COUNT(*) FROM "IN"
          GROUP BY "v" / -1, MOD("v", -1), STEP("IN".ROWTIME BY INTERVAL '1' HOUR);
        """)
        driver.pipe("IN", #"{"v":-9223372036854775808,"t":-9223372036854775808}"#)
        driver.finish()
        #expect(driver.read("OUT") == [#"{"Q":-9223372036854775808,"R":0,"N":1}"#])
    }
}
