import PythonReference
import Foundation

/// Runs Benchmarks/reference/vader_bench.py on the benchmark corpus and reads its JSON report.
enum VaderReference {
    struct Report: Decodable {
        let sentences: Int
        let seconds: Double
        let sentences_per_second: Double
        let compound_sum: Double
    }

    static func writeCorpus(_ sentences: [String]) throws -> URL {
        try PythonReference.writeJSONLines(sentences, prefix: "eddy-sentiment-bench")
    }

    static func measure(corpus: URL) throws -> Report {
        try JSONDecoder().decode(Report.self, from: PythonReference.run("vader_bench.py", [corpus.path]))
    }
}
