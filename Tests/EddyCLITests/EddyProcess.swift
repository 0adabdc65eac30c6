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
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runEddyBlocking(arguments, timeout: timeout) })
        }
    }
}

private func runEddyBlocking(_ arguments: [String], timeout: Double) throws -> EddyResult {
    let process = Process()
    process.executableURL = eddyBinary
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    let started = Date()
    try process.run()
    let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    // Read both pipes concurrently so neither fills up and blocks the child.
    let stderrData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stderrData.set(errors.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
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
final class BrokerProcess {
    let process = Process()
    let bootstrap: String
    private let errors = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = eddyBinary
        process.arguments = ["broker"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The contract: the first line is bootstrap.servers=HOST:PORT[,...].
        var line = Data()
        let handle = output.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte)
        }
        firstLine = String(decoding: line, as: UTF8.self)
        bootstrap = firstLine.hasPrefix("bootstrap.servers=") ? String(firstLine.dropFirst("bootstrap.servers=".count)) : ""
    }

    let firstLine: String

    /// Sends SIGTERM and waits for the exit status.
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { _ = stop() }
}

/// A temporary file with `contents`, removed when the test's scope ends.
func temporaryFile(named name: String, contents: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
    return url
}
