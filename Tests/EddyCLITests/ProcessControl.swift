import EddyCore
import Foundation

/// A program started in the background whose stdout and stderr go to one log file.
///
/// Why a file and not a pipe: the crash tests kill processes with SIGKILL and restart them many
/// times; a file keeps each incarnation's whole log for the failure message, and nothing in the
/// test has to keep draining pipes so the child never blocks on a full one.
final class LoggedProcess: @unchecked Sendable {
    private let process = Process()
    let logURL: URL
    let arguments: [String]
    /// When the process was started (wall clock), to find files it wrote since.
    let started: Date

    init(executable: URL = eddyBinary, _ arguments: [String], log: URL) throws {
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw RecoveryFailure("cannot create the log file \(log.path)") }
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        self.arguments = arguments
        logURL = log
        started = Date()
        try process.run()
        try handle.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// Everything the process printed so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
    /// The last `lines` lines of the log, for failure messages.
    func logTail(_ lines: Int = 15) -> String { log.split(separator: "\n").suffix(lines).joined(separator: "\n") }

    /// Sends `signal` if the process still runs.
    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits (off the cooperative pool) for the exit; SIGKILLs the process after `timeout` seconds.
    /// Returns the exit status, or the signal number when a signal ended it.
    @discardableResult
    func waitForExit(timeout: Double = 30) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "logged-process-wait").async { [process] in
                let deadline = Date().addingTimeInterval(timeout)
                while process.isRunning && Date() < deadline { usleep(20_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    /// Whether the process ended because of a signal (SIGKILL, SIGTERM) rather than by exiting.
    var endedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    /// The first log line starting with `prefix`, waiting up to `timeout` seconds for it.
    func line(startingWith prefix: String, timeout: Double = 20) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !process.isRunning || Date() >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` seconds pass; returns whether it held.
func waitUntil(timeout: Double, interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try await condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}

/// Checkpoint files (`*.ckpt`, not the hidden temporaries) under `directory`, any depth, with their
/// modification times: how the tests see that a run made progress durable.
func checkpointFiles(under directory: URL) -> [(path: String, modified: Date)] {
    guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.contentModificationDateKey]) else { return [] }
    var found: [(String, Date)] = []
    for case let url as URL in walker where url.pathExtension == "ckpt" && !url.lastPathComponent.hasPrefix(".") {
        let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
        found.append((url.path, modified))
    }
    return found
}

/// The seeded generator picks kill points, so a failing schedule can be replayed.
extension SplitMix64 {
    /// Uniform in `range` (milliseconds and the like; the modulo bias is irrelevant here).
    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}

/// A fresh temporary directory for one test (logs, state directories, topologies).
func temporaryDirectory(_ label: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-\(label)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
