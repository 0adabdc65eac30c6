public import Foundation

/// Runs the Python reference scripts in `Benchmarks/reference/` (krcf, datasketches,
/// vaderSentiment), which the parity tests and the benchmarks compare Eddy with. One runner for
/// every suite and benchmark, so they all find the scripts, collect their errors and explain a
/// failure the same way.
///
/// A missing python3 or reference package is an error with a reason, never a skip (under CI,
/// where `EDDY_CI` is set, and locally alike): `scripts/setup` installs them, and CI must not go
/// green without the comparison.
public enum PythonReference {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    /// `Benchmarks/reference/` of this checkout.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// Standard output of `python3 Benchmarks/reference/<script> <arguments>`. Standard error goes
    /// to a temporary file (so neither pipe can fill up while the other is read) and into the
    /// failure's description when the script fails.
    public static func run(_ script: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-reference-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer { try? errors.close() }
        process.standardOutput = output
        process.standardError = errors
        let requirement = ProcessInfo.processInfo.environment["EDDY_CI"] != nil
            ? "EDDY_CI is set, so the Python reference is required"
            : "the Python reference is required (run scripts/setup)"
        do {
            try process.run()
        } catch {
            throw Failure("cannot start python3 (\(error)); \(requirement)")
        }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: (try? Data(contentsOf: errorsURL)) ?? Data(), as: UTF8.self)
            throw Failure("python3 \(script) exited with \(process.terminationStatus): \(message); \(requirement)")
        }
        return stdoutData
    }

    /// `run`'s output decoded as the one JSON object the script prints.
    public static func runJSONObject(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: try run(script, arguments)) as? [String: Any] else {
            throw Failure("python3 \(script) printed no JSON object")
        }
        return object
    }

    /// The JSON object `script` prints as its last line (the benchmark scripts print progress first).
    public static func lastJSONObject(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let lastLine = String(decoding: try run(script, arguments), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw Failure("python3 \(script) printed no JSON object as its last line: \(lastLine.prefix(200))")
        }
        return object
    }

    /// Writes `strings` as JSON lines (one JSON string per line), the corpus format of the VADER
    /// scripts, to a fresh temporary file whose name starts with `prefix`.
    public static func writeJSONLines(_ strings: [String], prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).jsonl")
        var data = Data()
        let encoder = JSONEncoder()
        for string in strings {
            data.append(try encoder.encode(string))
            data.append(0x0A)
        }
        try data.write(to: url)
        return url
    }
}
