import Foundation

/// Runs Benchmarks/reference/vader_bench.py on the benchmark corpus and reads its JSON report.
enum PythonReference {
    struct Report: Decodable {
        let sentences: Int
        let seconds: Double
        let sentences_per_second: Double
        let compound_sum: Double
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let referenceDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("reference")

    static func writeCorpus(_ sentences: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("eddy-sentiment-bench-\(ProcessInfo.processInfo.processIdentifier).jsonl")
        var data = Data()
        let encoder = JSONEncoder()
        for sentence in sentences {
            data.append(try encoder.encode(sentence))
            data.append(0x0A)
        }
        try data.write(to: url)
        return url
    }

    static func measure(corpus: URL) throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", referenceDirectory.appendingPathComponent("vader_bench.py").path, corpus.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3: \(error) (run scripts/setup)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "vader_bench.py exited with status \(process.terminationStatus) (run scripts/setup)")
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }
}
