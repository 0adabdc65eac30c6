import ArgumentParser
import EddyEngine
import EddySQL
import EddyWorkload
import Foundation

/// `eddy run FILE --input STREAM=PATH ... --output-dir DIR`: replays files through the topology.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a topology over JSONL/CSV/TSV files (replay).")

    @Argument(help: "A topology .sql file.") var file: String
    @Option(name: .long, help: "STREAM=PATH: a source stream and the file to read (repeatable).") var input: [String] = []
    @Option(name: .customLong("output-dir"), help: "Directory for <STREAM>.jsonl outputs.") var outputDir: String?

    func run() throws {
        guard case .success(let topology) = TopologyLoader.load(file) else {
            if case .failure(let message) = TopologyLoader.load(file) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            throw ExitCode.failure
        }
        guard let outputDir, !input.isEmpty else {
            fail("eddy run needs --input STREAM=PATH and --output-dir DIR (the Kafka mode with --brokers is not available yet)")
        }
        var inputs: [Replay.Input] = []
        for spec in input {
            guard let eq = spec.firstIndex(of: "=") else { fail("--input \(spec): expected STREAM=PATH") }
            let stream = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
            let folded = stream.hasPrefix("\"") ? String(stream.dropFirst().dropLast()) : (topology.streamIndex(stream) != nil ? stream : stream.uppercased())
            let lower = path.lowercased()
            if let index = topology.streamIndex(folded), topology.streams[index].binding.format == .json,
               lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") {
                // A CSV/TSV file for a JSON source: each row becomes a JSON object named by the header.
                let reader: RecordFileReader
                do { reader = try RecordFileReader(path: path) } catch { fail("--input \(spec): \(error)") }
                var lines: [String] = [], numbers: [Int] = []
                for record in reader {
                    switch record {
                    case .record(let line, let json): lines.append(String(decoding: json, as: UTF8.self)); numbers.append(line)
                    case .malformed(let line, _, let raw): lines.append(String(decoding: raw, as: UTF8.self)); numbers.append(line)
                    }
                }
                inputs.append(Replay.Input(stream: folded, path: path, lines: lines, lineNumbers: numbers))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else { fail("--input \(spec): cannot read \(path)") }
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            inputs.append(Replay.Input(stream: folded, path: path, lines: lines))
        }
        let engine = try Engine(topology: topology)
        let tty = isatty(2) != 0
        let total = inputs.reduce(0) { $0 + $1.lines.count }
        let started = Date()
        do {
            try Replay.run(engine, inputs: inputs, progress: { done in
                if tty { FileHandle.standardError.write(Data("\r\(ProgressBar.render(done: done, total: total))".utf8)) }
            })
        } catch {
            fail(error.description)
        }
        if tty { FileHandle.standardError.write(Data("\r\(ProgressBar.render(done: total, total: total))\n".utf8)) }
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        for output in engine.outputs {
            var data = Data()
            output.forEach { _, value, rowtime in
                data.append(contentsOf: Array("{\"ROWTIME\":\"\(isoTimestamp(rowtime))\"".utf8))
                if value.count > 2 { data.append(UInt8(ascii: ",")) }
                data.append(contentsOf: value.dropFirst())
                data.append(UInt8(ascii: "\n"))
            }
            let path = (outputDir as NSString).appendingPathComponent("\(output.streamName).jsonl")
            try data.write(to: URL(fileURLWithPath: path))
        }
        let seconds = max(Date().timeIntervalSince(started), 1e-6)
        let s = engine.statistics
        print("rows in: \(s.recordsIn), rows out: \(s.rowsOut), errors: \(s.errors), late: \(s.lateRows), rate: \(Int(Double(s.recordsIn) / seconds)) rows/s")
    }

    func isoTimestamp(_ ms: Int64) -> String { EngineFormatting.iso(ms) }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

enum ProgressBar {
    static func render(done: Int, total: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * 30)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] \(done)/\(total)"
    }
}
