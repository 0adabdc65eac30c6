import EddyDashboard
import Foundation
import Synchronization

/// A clock the test moves by hand, so publication times and health rates are exact.
final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double) {
        seconds = Mutex(start)
    }

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }

    var now: Double { seconds.withLock { $0 } }

    var dashboardClock: DashboardClock {
        DashboardClock { [self] in self.now }
    }
}


/// Runs an external command with a deadline, output captured in files (a DOM dump can exceed a
/// pipe buffer). A command that outlives its deadline is terminated and reported as timed out.
struct CommandResult {
    let status: Int32
    let timedOut: Bool
    let stdout: String
    let stderr: String
}

enum Command {
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil, timeout: Duration) async throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inURL = directory.appendingPathComponent("stdin")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        }
        let finished = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in finished.continuation.finish() }
        try process.run()
        let timedOut = Mutex(false)
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            timedOut.withLock { $0 = true }
            process.terminate()
        }
        for await _ in finished.stream {}
        watchdog.cancel()
        try out.close()
        try err.close()
        return CommandResult(
            status: process.terminationStatus,
            timedOut: timedOut.withLock { $0 },
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// The first of `names` found on PATH (or at an absolute path), if any.
    static func locate(_ names: String...) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            if name.hasPrefix("/") { if FileManager.default.isExecutableFile(atPath: name) { return name } else { continue } }
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}

/// Starts a `DashboardServer` on a free loopback port for the duration of `body`, then cancels it
/// and waits until it has stopped.
func withRunningServer<T: Sendable>(
    _ server: DashboardServer, _ body: @Sendable (DashboardAddress) async throws -> T
) async throws -> T {
    let (addresses, continuation) = AsyncStream<DashboardAddress>.makeStream()
    let task = Task {
        try await server.run { address in continuation.yield(address) }
    }
    var iterator = addresses.makeAsyncIterator()
    guard let address = await iterator.next() else { throw TestFailure("dashboard server did not start") }
    do {
        let result = try await body(address)
        task.cancel()
        try await task.value
        return result
    } catch {
        task.cancel()
        _ = try? await task.value
        throw error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The repository root (for `artifacts/`), found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
