import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One scrape of `eddy run --dashboard`'s `/metrics` (Prometheus text): every sample by its full
/// name with labels, e.g. `eddy_state_bytes{task="reviews/single"}`.
struct MetricsScrape {
    var samples: [String: Double] = [:]

    init(text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
    }

    /// GET `url` (blocking the calling thread; the benchmark's main loop is sequential).
    static func fetch(_ url: URL) -> MetricsScrape? {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        let task = URLSession.shared.dataTask(with: url) { data, response, _ in
            if let data, (response as? HTTPURLResponse)?.statusCode == 200 { box.text = String(decoding: data, as: UTF8.self) }
            semaphore.signal()
        }
        task.resume()
        guard semaphore.wait(timeout: .now() + 3) == .success, let text = box.text else { return nil }
        return MetricsScrape(text: text)
    }

    private final class ResultBox: @unchecked Sendable { var text: String? }

    /// The sum over every label set of `name` (a plain counter or gauge), nil when absent.
    func total(_ name: String) -> Double? {
        let matching = samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
        return matching.isEmpty ? nil : matching.values.reduce(0, +)
    }

    /// `(sum, count)` of a histogram or summary named `name`, over every label set.
    func distribution(_ name: String) -> (sum: Double, count: Double)? {
        guard let sum = total(name + "_sum"), let count = total(name + "_count") else { return nil }
        return (sum, count)
    }
}

/// What the soak learns about a duration metric (`eddy_checkpoint_duration_seconds`,
/// `eddy_restore_duration_seconds`): a histogram gives its mean per scrape interval, a gauge its
/// latest value; either way the benchmark keeps every observation it can tell apart.
struct DurationTracker {
    let name: String
    private var lastSum = 0.0, lastCount = 0.0
    private(set) var observations: [Double] = []
    private(set) var seen = false

    init(name: String) { self.name = name }

    /// Call with each scrape of one process; `fresh` after a restart (its counters start over).
    mutating func record(_ scrape: MetricsScrape, fresh: Bool) {
        if fresh { lastSum = 0; lastCount = 0 }
        if let (sum, count) = scrape.distribution(name) {
            seen = true
            if count > lastCount { observations.append((sum - lastSum) / (count - lastCount)) }
            lastSum = sum
            lastCount = count
        } else if let value = scrape.total(name) {
            seen = true
            if observations.last != value || fresh { observations.append(value) }
        }
    }

    var summary: String {
        guard seen else { return "n/a (\(name) not exposed)" }
        guard !observations.isEmpty else { return "none observed" }
        let sorted = observations.sorted()
        let mean = observations.reduce(0, +) / Double(observations.count)
        return String(format: "mean %.1f ms, median %.1f ms, max %.1f ms (%d samples)",
                      mean * 1000, sorted[sorted.count / 2] * 1000, sorted.last! * 1000, observations.count)
    }
}
