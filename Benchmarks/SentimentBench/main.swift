import EddySentiment
import Foundation

/// SENTIMENT throughput: Eddy's VADER port against vaderSentiment 3.3.2, same seeded review corpus,
/// same run. Usage: swift run -c release SentimentBench [sentences] [seed]
let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap { Int($0) } ?? 100_000
let seed = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 42

do {
    let sentences = SentimentCorpus.reviews(count: count, seed: seed)
    let byteSentences = sentences.map { Array($0.utf8) }
    let totalBytes = byteSentences.reduce(0) { $0 + $1.count }
    let scorer = try SentimentScorer.shared()

    /// Best of `rounds` passes over the corpus, in sentences per second; also the compound sum.
    func measure(rounds: Int, _ pass: () throws -> Double) rethrows -> (perSecond: Double, sum: Double) {
        var best = Duration.seconds(1_000_000)
        var sum = 0.0
        for _ in 0 ..< rounds {
            let clock = ContinuousClock()
            let start = clock.now
            sum = try pass()
            best = min(best, clock.now - start)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        return (Double(count) / seconds, sum)
    }

    let stringPath = measure(rounds: 5) {
        var sum = 0.0
        for sentence in sentences { sum += scorer.compound(sentence) }
        return sum
    }
    let bytesPath = try measure(rounds: 5) {
        var sum = 0.0
        for bytes in byteSentences {
            sum += try bytes.withUnsafeBytes { raw throws(SentimentError) in try scorer.compound(utf8: raw) }
        }
        return sum
    }

    let corpus = try PythonReference.writeCorpus(sentences)
    defer { try? FileManager.default.removeItem(at: corpus) }
    let python = try PythonReference.measure(corpus: corpus)

    func rate(_ value: Double) -> String { String(format: "%12.0f", value) }
    print("SENTIMENT benchmark: \(count) review sentences, seed \(seed), \(totalBytes) bytes, avg \(totalBytes / max(count, 1)) bytes/sentence")
    print("  implementation                      sentences/s    vs vaderSentiment")
    print("  vaderSentiment 3.3.2 (Python)      \(rate(python.sentences_per_second))    1.0x")
    print("  Eddy compound(String)              \(rate(stringPath.perSecond))    \(String(format: "%.1f", stringPath.perSecond / python.sentences_per_second))x")
    print("  Eddy compound(utf8:) (bytes)       \(rate(bytesPath.perSecond))    \(String(format: "%.1f", bytesPath.perSecond / python.sentences_per_second))x")
    print("  mean compound: Eddy \(String(format: "%.6f", stringPath.sum / Double(count))), vaderSentiment \(String(format: "%.6f", python.compound_sum / Double(count))) (VADER rounds each to 4 decimals)")
    print("  target >= 20x: \(stringPath.perSecond / python.sentences_per_second >= 20 ? "met" : "NOT met")")
} catch {
    FileHandle.standardError.write(Data("SentimentBench: \(error)\n".utf8))
    exit(1)
}
