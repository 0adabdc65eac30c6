import Foundation

/// kcat (an independent librdkafka client) as the benchmarks' reference: run to completion with
/// its output discarded, timed by wall clock and CPU.
public enum Kcat {
    public struct Run: Sendable {
        /// Wall time from process start to exit.
        public let seconds: Double
        /// kcat's own CPU time.
        public let kcatCPUSeconds: Double
        /// This process's CPU time meanwhile: the embedded brokers serving kcat, when they run here.
        public let hostCPUSeconds: Double
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `topic` from the beginning to its end, as fast as kcat can: the raw consume floor.
    public static func consumeArguments(bootstrap: String, topic: String) -> [String] {
        ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-X", "fetch.wait.max.ms=10", "-f", "%s\n"]
    }

    /// Runs `kcat arguments` and waits for it; throws with its standard error if it fails.
    public static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kcat"] + arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let clock = ContinuousClock()
        let start = clock.now
        let hostStart = processCPUSeconds(), childrenStart = childrenCPUSeconds()
        do { try process.run() } catch { throw Failure(description: "cannot start kcat: \(error) (run scripts/setup)") }
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let run = Run(seconds: BenchmarkSupport.seconds(clock.now - start), kcatCPUSeconds: childrenCPUSeconds() - childrenStart,
                      hostCPUSeconds: processCPUSeconds() - hostStart)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "kcat exited with \(process.terminationStatus): \(String(decoding: errorText, as: UTF8.self).suffix(400))")
        }
        return run
    }
}
