import EddySQL
import Foundation
import Testing

/// Mangled topology text yields a diagnostic (or parses), never a crash.
@Suite struct ParserRobustnessTests {
    @Test func mutatedTopologiesNeverCrash() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let original = Array(try String(contentsOf: root.appendingPathComponent("topologies/examples/filter_project.sql"), encoding: .utf8).unicodeScalars)
        let pieces = Array("()'\",;.*-+ =<>|".unicodeScalars) + ["S", "x", "1", "\n"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: Int) -> Int {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Int((state &* 2_685_821_657_736_338_717) % UInt64(n))
        }
        var diagnostics = 0
        for _ in 0..<400 {
            var text = original
            for _ in 0..<(1 + next(3)) {
                if next(2) == 0 { text.remove(at: next(text.count)) } else { text.insert(pieces[next(pieces.count)], at: next(text.count)) }
            }
            var s = ""
            s.unicodeScalars.append(contentsOf: text)
            do {
                _ = try Analyzer.analyze(text: s, name: "fuzz")
            } catch {
                #expect(error.location.line >= 1 && error.location.column >= 1)
                #expect(!error.hint.isEmpty)
                diagnostics += 1
            }
        }
        #expect(diagnostics > 100)
    }
}
