import EddySentiment
import Foundation

/// SENTIMENT throughput: Eddy's VADER port against vaderSentiment 3.3.2 on the same seeded corpora,
/// in the same run: short review sentences and multi-sentence review bodies. "eddy" is
/// `compound(String)`; "eddy utf8+scratch" is `compound(utf8:scratch:)` on the raw bytes with one
/// reused `SentimentScratch` (no allocation per text).
/// Both sides report their fastest of several passes (Swift 5, Python 3).
/// Usage: swift run -c release SentimentBench [sentences] [seed]   (bodies: sentences / 5)
let arguments = CommandLine.arguments.dropFirst()
let sentenceCount = arguments.first.flatMap { Int($0) } ?? 100_000
let seed = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 42

struct Row {
    let corpus: String
    let texts: Int
    let averageBytes: Int
    let python: VaderReference.Report
    let eddyString: Double
    let eddyBytes: Double
    let eddyMeanCompound: Double
}

/// Best of `rounds` passes, in texts per second, and the compound sum of the last pass.
func measure(texts: Int, rounds: Int, _ pass: () throws -> Double) rethrows -> (perSecond: Double, sum: Double) {
    var best = Duration.seconds(1_000_000)
    var sum = 0.0
    for _ in 0 ..< rounds {
        let clock = ContinuousClock()
        let start = clock.now
        sum = try pass()
        best = min(best, clock.now - start)
    }
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
    return (Double(texts) / seconds, sum)
}

func benchmark(_ name: String, _ texts: [String], scorer: SentimentScorer) throws -> Row {
    let byteTexts = texts.map { Array($0.utf8) }
    let stringPath = measure(texts: texts.count, rounds: 5) {
        var sum = 0.0
        for text in texts { sum += scorer.compound(text) }
        return sum
    }
    let scratch = SentimentScratch()
    let bytesPath = try measure(texts: texts.count, rounds: 5) {
        var sum = 0.0
        for bytes in byteTexts {
            sum += try bytes.withUnsafeBytes { raw throws(SentimentError) in try scorer.compound(utf8: raw, scratch: scratch) }
        }
        return sum
    }
    let corpus = try VaderReference.writeCorpus(texts)
    defer { try? FileManager.default.removeItem(at: corpus) }
    let python = try VaderReference.measure(corpus: corpus)
    return Row(
        corpus: name, texts: texts.count, averageBytes: byteTexts.reduce(0) { $0 + $1.count } / max(texts.count, 1),
        python: python, eddyString: stringPath.perSecond, eddyBytes: bytesPath.perSecond,
        eddyMeanCompound: stringPath.sum / Double(max(texts.count, 1))
    )
}

do {
    let scorer = try SentimentScorer.shared()
    let rows = [
        try benchmark("review sentences", SentimentCorpus.reviews(count: sentenceCount, seed: seed), scorer: scorer),
        try benchmark("review bodies", SentimentCorpus.reviewBodies(count: sentenceCount / 5, seed: seed), scorer: scorer),
    ]
    func cell(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
    print("SENTIMENT benchmark (seed \(seed)): texts/s, vaderSentiment 3.3.2 (Python) vs Eddy, same corpus, same run")
    print(cell("corpus", 18) + cell("texts", 9) + cell("bytes", 7) + cell("vader/s", 11) + cell("eddy/s", 12)
        + cell("ratio", 8) + cell("eddy utf8+scratch/s", 21) + cell("ratio", 8) + cell("mean compound (eddy | vader)", 31))
    for row in rows {
        let vader = row.python.sentences_per_second
        print(cell(row.corpus, 18) + cell("\(row.texts)", 9) + cell("\(row.averageBytes)", 7)
            + cell(String(format: "%.0f", vader), 11) + cell(String(format: "%.0f", row.eddyString), 12)
            + cell(String(format: "%.1fx", row.eddyString / vader), 8) + cell(String(format: "%.0f", row.eddyBytes), 21)
            + cell(String(format: "%.1fx", row.eddyBytes / vader), 8)
            + cell(String(format: "%.5f | %.5f", row.eddyMeanCompound, row.python.compound_sum / Double(max(row.texts, 1))), 31))
    }
    let worst = rows.map { min($0.eddyString, $0.eddyBytes) / $0.python.sentences_per_second }.min() ?? 0
    print("target >= 20x vaderSentiment: \(worst >= 20 ? "met" : "NOT met") (lowest ratio \(String(format: "%.1f", worst))x)")
} catch {
    FileHandle.standardError.write(Data("SentimentBench: \(error)\n".utf8))
    exit(1)
}
