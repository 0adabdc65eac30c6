import EddyEngine
import EddySQL
import Foundation
import Testing

/// Every topology in topologies/ runs over its golden input; outputs must equal the hand-checked files.
@Suite struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every .sql file under topologies/ (top level and examples/), by path relative to topologies/.
    static func topologies() -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        for dir in ["", "examples/"] {
            let files = (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent("topologies/\(dir)").path)) ?? []
            found += files.filter { $0.hasSuffix(".sql") }.map { dir + $0 }
        }
        return found.sorted()
    }

    @Test func everyTopologyHasGoldenFiles() {
        #expect(Self.topologies().count >= 4)
        for topology in Self.topologies() {
            let name = String(topology.split(separator: "/").last!.dropLast(4))
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("topologies/golden/\(name)").path), "\(topology)")
        }
    }

    @Test(arguments: ["reviews.sql", "examples/filter_project.sql", "examples/sliding.sql", "examples/sessions.sql", "examples/anomalies.sql"])
    func topologyMatchesGoldenOutput(file: String) throws {
        let name = String(file.split(separator: "/").last!.dropLast(4))
        let sql = try String(contentsOf: Self.root.appendingPathComponent("topologies/\(file)"), encoding: .utf8)
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
