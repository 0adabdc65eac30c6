import Foundation

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

/// "lo–hi" of `values` with `decimals`, or the single value.
func range(_ values: [Double], _ decimals: Int) -> String {
    guard let low = values.min(), let high = values.max() else { return "–" }
    let lowText = String(format: "%.\(decimals)f", low), highText = String(format: "%.\(decimals)f", high)
    return lowText == highText ? lowText : "\(lowText)–\(highText)"
}

func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

/// p50 and p99 of latencies in ms, or a reason when there are none.
func latencySummary(_ values: [Double], none: String) -> String {
    values.isEmpty ? none : "p50 \(fixed(percentile(values, 0.5), 1)) ms, p99 \(fixed(percentile(values, 0.99), 1)) ms, max \(fixed(values.max()!, 1)) ms (\(values.count) samples)"
}

func wallMillis() -> Double { Date().timeIntervalSince1970 * 1000 }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PipelineBench: \(message)\n".utf8))
    exit(1)
}
