import Foundation
import Testing

/// The built `eddy` binary: next to this test bundle (`.build/<triple>/<config>/`), or else in the
/// package's `.build/debug`.
let eddyBinary: URL = {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundleDirectory.appendingPathComponent("eddy")]
    // xctest bundles on Linux may be run as `.../eddyPackageTests.xctest`; also look one level up.
    candidates.append(bundleDirectory.deletingLastPathComponent().appendingPathComponent("eddy"))
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(packageRoot.appendingPathComponent(".build/debug/eddy"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
}()

struct EddyResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

/// Runs `eddy` with `arguments` to completion (killing it after `timeout` seconds), waiting on a GCD
/// thread so tests run in parallel without tying up the cooperative pool.
func runEddy(_ arguments: [String], timeout: Double = 30) async throws -> EddyResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "eddy-test-blocking").async {
            continuation.resume(with: Result { try runEddyBlocking(arguments, timeout: timeout) })
        }
    }
}

/// Runs any program the same way (used for kcat, the independent client).
func runProcess(_ executable: String, _ arguments: [String], timeout: Double = 30) async throws -> EddyResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "eddy-test-blocking").async {
            continuation.resume(with: Result { try runBlocking(URL(fileURLWithPath: executable), arguments, timeout: timeout) })
        }
    }
}

private func runEddyBlocking(_ arguments: [String], timeout: Double) throws -> EddyResult {
    try runBlocking(eddyBinary, arguments, timeout: timeout)
}

/// A process for `executable`, not yet started, whose stdout and stderr are pipes and whose stdin
/// is empty (so it never waits on the terminal).
func pipedProcess(_ executable: URL, _ arguments: [String]) -> (process: Process, output: Pipe, errors: Pipe) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    return (process, output, errors)
}

private func runBlocking(_ executable: URL, _ arguments: [String], timeout: Double) throws -> EddyResult {
    let (process, output, errors) = pipedProcess(executable, arguments)
    let started = Date()
    try process.run()
    let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue(label: "eddy-test-timer").asyncAfter(deadline: .now() + timeout, execute: killer)
    // Read both pipes concurrently so neither fills up and blocks the child.
    let stderrData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue(label: "eddy-test-blocking").async {
        stderrData.set(readPipeToEnd(errors.fileHandleForReading))
        group.leave()
    }
    let stdoutData = readPipeToEnd(output.fileHandleForReading)
    group.wait()
    process.waitUntilExit()
    killer.cancel()
    return EddyResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData.get(), as: UTF8.self),
        seconds: Date().timeIntervalSince(started)
    )
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// `eddy broker` running in the background for one test; stopped with SIGTERM when released.
final class BrokerProcess: Sendable {
    private let process: Process
    let firstLine: String
    let bootstrap: String

    private init(process: Process, firstLine: String) {
        self.process = process
        self.firstLine = firstLine
        bootstrap = firstLine.hasPrefix("bootstrap.servers=") ? String(firstLine.dropFirst("bootstrap.servers=".count)) : ""
    }

    /// Starts `eddy broker arguments...` and reads its first line, on a GCD thread (starting a
    /// process can take a while on a busy machine; the cooperative pool stays free meanwhile).
    static func start(_ arguments: [String]) async throws -> BrokerProcess {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "broker-start").async {
                continuation.resume(with: Result { try startBlocking(arguments) })
            }
        }
    }

    private static func startBlocking(_ arguments: [String]) throws -> BrokerProcess {
        let process = Process()
        process.executableURL = eddyBinary
        process.arguments = ["broker"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The contract: the first line is bootstrap.servers=HOST:PORT[,...].
        var line = Data()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte)
        }
        return BrokerProcess(process: process, firstLine: String(decoding: line, as: UTF8.self))
    }

    /// Sends SIGTERM and waits (on a GCD thread) for the exit status.
    func stop() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "broker-stop").async { [process] in
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// A temporary file with `contents`, removed when the test's scope ends.
func temporaryFile(named name: String, contents: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
    return url
}
