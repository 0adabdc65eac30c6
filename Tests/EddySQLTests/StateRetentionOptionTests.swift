import EddyCore
import EddySQL
import Testing

/// `'state_retention'`: the idle-key retention of the keyed pumps reading a stream (issue 6).
@Suite struct StateRetentionOptionTests {
    static func binding(_ value: String) throws -> Binding {
        let t = try Analyzer.analyze(text: "CREATE STREAM S (a INTEGER) WITH ('topic' = 's', 'state_retention' = '\(value)');", name: "t")
        return t.streams[t.streamIndex("S")!].binding
    }

    @Test func durationsAndNeverAreRead() throws {
        #expect(try Self.binding("2 HOURS").stateRetentionMillis == 7_200_000)
        #expect(try Self.binding("90 SECONDS").stateRetentionMillis == 90_000)
        #expect(try Self.binding("1 DAY").stateRetentionMillis == 86_400_000)
        #expect(try Self.binding("never").stateRetentionMillis == Int64.max)
        #expect(try Self.binding("NEVER").stateRetentionMillis == Int64.max)
        let unset = try Analyzer.analyze(text: "CREATE STREAM S (a INTEGER) WITH ('topic' = 's');", name: "t")
        #expect(unset.streams[unset.streamIndex("S")!].binding.stateRetentionMillis == nil)
    }

    @Test(arguments: ["0 SECONDS", "0", "soon", "-5 MINUTES", "99999999999999999 DAYS"])
    func badValuesAreDiagnosed(value: String) throws {
        do {
            _ = try Self.binding(value)
            Issue.record("'\(value)' was accepted")
        } catch {
            #expect("\(error)".contains("state_retention"), "\(error)")
            // Every such hint names the way to keep keys forever, not only a duration's shape.
            #expect("\(error)".contains("'never'"), "\(error)")
        }
    }

    @Test func alterStreamSetsIt() throws {
        let t = try Analyzer.analyze(text: """
        CREATE STREAM S (a INTEGER) WITH ('topic' = 's');
        ALTER STREAM S SET ('state_retention' = '30 MINUTES');
        """, name: "t")
        #expect(t.streams[t.streamIndex("S")!].binding.stateRetentionMillis == 1_800_000)
    }
}
