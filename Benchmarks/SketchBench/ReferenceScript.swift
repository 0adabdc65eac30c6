import Foundation

/// Runs a Python reference script from Benchmarks/reference and decodes the JSON it prints.
enum ReferenceScript {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("reference")
    }

    static func run(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) exited with \(process.terminationStatus): \(errorText.suffix(400))")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "\(script) printed no JSON object")
        }
        return object
    }
}

/// SplitMix64, the generator both Eddy's bench and the Python references reproduce.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    mutating func gaussian() -> Double { (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()) }
}

/// CPU time of the calling thread. The machine is shared, so wall time measures the neighbours as
/// much as the code; every implementation here is timed by the CPU time of the thread that runs it
/// (Python's `time.thread_time()` on the reference side; the JVM's JIT and GC threads are not counted).
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}
