import Foundation

/// Runs the built `eddy` binary for the engine commands' tests (validate, explain, run).
enum EngineCLIHarness {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static var binary: URL {
        // The test bundle sits next to the `eddy` executable in the build products directory.
        var url = Bundle.main.bundleURL
        for candidate in [Bundle.main.bundleURL, Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()] {
            let eddy = candidate.appendingPathComponent("eddy")
            if FileManager.default.isExecutableFile(atPath: eddy.path) { return eddy }
            url = candidate
        }
        return url.appendingPathComponent("eddy")
    }

    final class Marker {}

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = readPipeToEnd(out.fileHandleForReading)
        let stderr = readPipeToEnd(err.fileHandleForReading)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-engine-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
