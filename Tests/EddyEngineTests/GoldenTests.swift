import EddyEngine
import EddySQL
import Foundation
import Testing

/// Every topology in topologies/ runs over its golden input; outputs must equal the hand-checked files.
@Suite struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["reviews"])
    func topologyMatchesGoldenOutput(name: String) throws {
        let sql = try String(contentsOf: Self.root.appendingPathComponent("topologies/\(name).sql"), encoding: .utf8)
        let engine = try Engine(topology: try Analyzer.analyze(text: sql, name: name))
        let dir = "topologies/golden/\(name)"
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(dir).path)
        var inputs: [Replay.Input] = []
        for file in files where !file.hasPrefix("expected.") && file.hasSuffix(".jsonl") {
            let text = try String(contentsOf: Self.root.appendingPathComponent("\(dir)/\(file)"), encoding: .utf8)
            inputs.append(Replay.Input(stream: String(file.dropLast(6)), path: "\(dir)/\(file)", lines: text.split(separator: "\n").map(String.init)))
        }
        try Replay.run(engine, inputs: inputs)
        let expectedFiles = files.filter { $0.hasPrefix("expected.") }
        #expect(Set(expectedFiles.map { String($0.dropFirst(9).dropLast(6)) }) == Set(engine.outputs.map(\.streamName)))
        for output in engine.outputs {
            let actual = output.rows().map { row in
                "{\"ROWTIME\":\"\(EngineFormatting.iso(row.rowtime))\"," + row.value.dropFirst()
            }
            let expected = try String(contentsOf: Self.root.appendingPathComponent("\(dir)/expected.\(output.streamName).jsonl"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            #expect(actual == expected, "stream \(output.streamName)")
        }
    }
}
