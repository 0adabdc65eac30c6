import Foundation

/// Runs a Python reference script from `Benchmarks/reference/` over a JSON-lines corpus file.
/// A missing python3 or vaderSentiment is an error with a reason, never a skip: under CI
/// (`EDDY_CI` set) and locally alike, since `scripts/setup` installs both.
enum ReferenceScript {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Writes `sentences` as JSON lines (one JSON string per line) to a fresh temporary file.
    static func writeCorpus(_ sentences: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("eddy-sentiment-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).jsonl")
        var data = Data()
        let encoder = JSONEncoder()
        for sentence in sentences {
            data.append(try encoder.encode(sentence))
            data.append(0x0A)
        }
        try data.write(to: url)
        return url
    }

    /// Standard output of `python3 Benchmarks/reference/<script> <corpus>`.
    static func run(_ script: String, corpus: URL) throws -> Data {
        let scriptURL = repositoryRoot.appendingPathComponent("Benchmarks/reference/\(script)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path, corpus.path]
        let output = Pipe()
        // stderr goes to a file, so neither pipe can fill up while we read the other.
        let errorsURL = corpus.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer { try? errors.close() }
        process.standardOutput = output
        process.standardError = errors
        let ci = ProcessInfo.processInfo.environment["EDDY_CI"] != nil
        let context = ci ? "EDDY_CI is set, so the VADER reference is required" : "the VADER reference is required (run scripts/setup)"
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 (\(error)); \(context)")
        }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrData = (try? Data(contentsOf: errorsURL)) ?? Data()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: stderrData, as: UTF8.self)
            throw Failure(description: "python3 \(script) exited with \(process.terminationStatus): \(message); \(context)")
        }
        return stdoutData
    }
}
