import Foundation
import Testing

/// Runs the Python reference scripts under Benchmarks/reference and decodes their JSON output.
///
/// The parity tests always require the reference (scripts/setup installs it): a missing python3 or
/// krcf is a failure with a reason, never a skip, so CI cannot go green without the comparison.
enum ReferenceRunner {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func script(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Benchmarks/reference/\(name)")
    }

    /// Writes records as comma-separated lines into a fresh temporary file.
    static func writeRecords(_ records: [[Double]]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-rcf-\(UUID().uuidString).csv")
        let text = records.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func runPython(_ arguments: [String]) throws -> Any {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 (\(error)); run scripts/setup")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "reference script failed with status \(process.terminationStatus): \(errorText)")
        }
        return try JSONSerialization.jsonObject(with: data)
    }
}

/// Rank statistics for comparing score series.
enum RankStatistics {
    /// Average ranks (ties share the mean rank).
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var result = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { result[order[k]] = rank }
            i = j + 1
        }
        return result
    }

    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let ra = ranks(a)
        let rb = ranks(b)
        let n = Double(a.count)
        let ma = ra.reduce(0, +) / n
        let mb = rb.reduce(0, +) / n
        var cov = 0.0
        var va = 0.0
        var vb = 0.0
        for i in 0..<a.count {
            cov += (ra[i] - ma) * (rb[i] - mb)
            va += (ra[i] - ma) * (ra[i] - ma)
            vb += (rb[i] - mb) * (rb[i] - mb)
        }
        return cov / (va * vb).squareRoot()
    }

    /// ROC-AUC: the probability that a random anomaly outscores a random normal point (ties count half).
    static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        let r = ranks(scores)
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        var rankSum = 0.0
        for i in 0..<scores.count where labels[i] { rankSum += r[i] }
        return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// Mean and unbiased sample variance.
    static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(1, n - 1)
        return (mean, variance)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// The value at or above which the top `fraction` of `values` lie.
    static func upperQuantile(_ values: [Double], fraction: Double) -> Double {
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * (1 - fraction)).rounded(.down)))
        return sorted[index]
    }
}
