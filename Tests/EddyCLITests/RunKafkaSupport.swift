import Foundation
import Testing

/// `eddy` running in the background with its output read line by line as it comes, for commands
/// that run until a signal (`run --brokers`, `demo`).
final class BackgroundEddy: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var stdoutLines: [String] = []
    private var stderrText = ""
    private let readers = DispatchGroup()

    init(_ arguments: [String]) throws {
        let (process, output, errors) = pipedProcess(eddyBinary, arguments)
        self.process = process
        try process.run()
        readers.enter()
        DispatchQueue(label: "eddy-bg-stdout").async { [self] in
            var buffer = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    lock.withLock { stdoutLines.append(line) }
                }
            }
            readers.leave()
        }
        readers.enter()
        DispatchQueue(label: "eddy-bg-stderr").async { [self] in
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                lock.withLock { stderrText += String(decoding: chunk, as: UTF8.self) }
            }
            readers.leave()
        }
    }

    var lines: [String] { lock.withLock { stdoutLines } }
    var stderr: String { lock.withLock { stderrText } }

    /// The first stdout line starting with `prefix`, waiting up to `timeout` seconds for it.
    func line(startingWith prefix: String, timeout: Double = 20) async throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = lines.first(where: { $0.hasPrefix(prefix) }) { return line }
            if !process.isRunning { return lines.first { $0.hasPrefix(prefix) } }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Sends `signal` and waits (off the cooperative pool) for the exit status.
    func stop(signal: Int32 = SIGINT, timeout: Double = 20) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "eddy-bg-stop").async { [self] in
                if process.isRunning { kill(process.processIdentifier, signal) }
                let deadline = Date().addingTimeInterval(timeout)
                while process.isRunning && Date() < deadline { usleep(20_000) }
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                readers.wait()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
