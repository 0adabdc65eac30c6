import Foundation
import Testing
@testable import EddyWorkload

@Suite("JSON lines files")
struct JSONLinesReaderTests {
    @Test("valid objects become records with their line numbers; blank lines are skipped")
    func validLines() {
        let lines = Support.read("{\"a\":1}\n\n   \n{\"b\": [true, null, \"x\"]}\r\n{\"c\":{}}", .jsonLines)
        #expect(lines == [
            .record(line: 1, json: Support.bytes("{\"a\":1}")),
            .record(line: 4, json: Support.bytes("{\"b\": [true, null, \"x\"]}")),
            .record(line: 5, json: Support.bytes("{\"c\":{}}")),
        ])
    }

    @Test("malformed lines carry the right line number, a reason and the raw bytes")
    func malformedLines() {
        let input = "{\"ok\":1}\n{\"a\":1,}\n[1,2]\n{\"a\":01}\n{\"a\":\"x\"} trailing\n{\"a\":\n{'a':1}\n{\"ok\":2}\n"
        let lines = Support.read(input, .jsonLines)
        #expect(lines.count == 8)
        #expect(lines.map(\.line) == [1, 2, 3, 4, 5, 6, 7, 8])
        guard case .malformed(_, let reason2, let raw2) = lines[1] else { Issue.record("line 2 should be malformed"); return }
        #expect(reason2.contains("expected a string key") && reason2.contains("column 8"))
        #expect(raw2 == Support.bytes("{\"a\":1,}"))
        guard case .malformed(_, let reason3, _) = lines[2] else { Issue.record("line 3 should be malformed"); return }
        #expect(reason3.contains("not a JSON object"))
        guard case .malformed(_, let reason4, _) = lines[3] else { Issue.record("line 4 should be malformed"); return }
        #expect(reason4.contains("invalid number"))
        guard case .malformed(_, let reason5, _) = lines[4] else { Issue.record("line 5 should be malformed"); return }
        #expect(reason5.contains("after the end of the JSON object"))
        guard case .malformed(_, let reason6, _) = lines[5] else { Issue.record("line 6 should be malformed"); return }
        #expect(reason6.contains("truncated"))
        guard case .malformed = lines[6] else { Issue.record("line 7 should be malformed"); return }
        #expect(lines[7] == .record(line: 8, json: Support.bytes("{\"ok\":2}")))
    }

    @Test("invalid UTF-8 is a malformed line, not a crash")
    func invalidUTF8() {
        var input = Support.bytes("{\"a\":\"ok\"}\n{\"a\":\"")
        input += [0xC3, 0x28]
        input += Support.bytes("\"}\n{\"b\":2}\n")
        let lines = Support.read(bytes: input, .jsonLines)
        #expect(lines.count == 3)
        guard case .malformed(let line, let reason, let raw) = lines[1] else { Issue.record("expected malformed"); return }
        #expect(line == 2)
        #expect(reason.contains("UTF-8"))
        #expect(raw.contains(0xC3))
        #expect(lines[2] == .record(line: 3, json: Support.bytes("{\"b\":2}")))
    }
}
