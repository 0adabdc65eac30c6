import Foundation

/// A child process whose stdout and stderr go to a log file: `eddy broker`, `eddy produce` and the
/// soaked `eddy run` (killed with SIGKILL and restarted, so its log must survive it).
final class ChildProcess {
    private let process = Process()
    let logURL: URL
    let started = Date()

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        logURL = log
        try process.run()
        try handle.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
    func logTail(_ count: Int = 10) -> String { log.split(separator: "\n").suffix(count).joined(separator: "\n") }

    func send(_ signal: Int32) { if process.isRunning { kill(pid, signal) } }

    /// Waits for the exit (SIGKILL after `timeout` seconds); returns the status or signal number.
    @discardableResult
    func waitForExit(timeout: Double = 60) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The first log line starting with `prefix`, waiting up to `timeout` seconds.
    func line(startingWith prefix: String, timeout: Double = 30) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !process.isRunning || Date() >= deadline { return nil }
            usleep(50_000)
        }
    }

    /// Resident set size in bytes, from /proc/PID/status (VmRSS); nil once the process is gone.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    deinit { if process.isRunning { kill(pid, SIGKILL) } }
}
