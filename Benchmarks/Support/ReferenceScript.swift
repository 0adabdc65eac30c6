public import Foundation

/// Runs a Python reference implementation from Benchmarks/reference, the other side of a
/// benchmark's ratio, and hands back what it printed.
public enum ReferenceScript {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Benchmarks/reference, found from this source file so a benchmark runs from any directory.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("reference")

    /// Standard output of `python3 Benchmarks/reference/<script> arguments…`; throws with the tail
    /// of its standard error if it cannot start or exits non-zero.
    public static func output(_ script: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw Failure(description: "cannot start python3: \(error) (run scripts/setup)") }
        // Standard error is drained on its own thread: a script that writes a lot to it would
        // otherwise block while this side waits for its standard output.
        let errorText = ErrorDrain(errors.fileHandleForReading)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) exited with \(process.terminationStatus): \(errorText.text().suffix(400)) (run scripts/setup)")
        }
        return data
    }

    /// Writes `strings` as JSON lines (one JSON string per line) to a fresh temporary file named
    /// after `prefix`: the corpus format of the sentiment references.
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

    /// The JSON object `script` prints as its last line.
    public static func lastJSONObject(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let data = try output(script, arguments)
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw Failure(description: "\(script) printed no JSON object as its last line: \(lastLine.prefix(200))")
        }
        return object
    }
}

/// Reads a pipe to its end on a background thread.
private final class ErrorDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
