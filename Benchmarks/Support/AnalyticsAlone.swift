public import EddySentiment
import EddySketches

/// SENTIMENT's analyzer and reviews.sql's forests timed alone on the same values a pump gets: the
/// "what their own benchmarks say" side of the in-engine and in-pipeline costs. Thread CPU time,
/// best of `runs`; `allocations` (e.g. CMallocCounter's count) is read around the best run.
public enum AnalyticsAlone {
    public struct Timing: Sendable {
        /// Thread CPU seconds of the best run.
        public var seconds: Double
        /// Heap allocations during the best run (0 without a counter).
        public var allocations: UInt64
        /// Sum of the results (a check that two sides computed the same thing).
        public var sum: Double
    }

    /// `SentimentScorer.compound(utf8:scratch:)` (SentimentBench's "eddy utf8+scratch" path) over
    /// every body, with `try?` as the engine's SENTIMENT calls it.
    public static func sentiment(_ fields: ReviewFields, runs: Int, allocations: () -> UInt64 = { 0 }) throws(SentimentError) -> Timing {
        let scorer = try SentimentScorer.shared()
        let scratch = SentimentScratch()
        var best = Timing(seconds: .infinity, allocations: 0, sum: 0)
        for _ in 0..<runs {
            var sum = 0.0
            let startAllocations = allocations()
            let start = threadCPUSeconds()
            fields.bodyBytes.withUnsafeBytes { all in
                for i in 0..<fields.count {
                    let text = UnsafeRawBufferPointer(rebasing: all[fields.bodyOffsets[i]..<fields.bodyOffsets[i + 1]])
                    if let score = try? scorer.compound(utf8: text, scratch: scratch) { sum += score }
                }
            }
            let seconds = threadCPUSeconds() - start
            if seconds < best.seconds { best = Timing(seconds: seconds, allocations: allocations() - startAllocations, sum: sum) }
        }
        return best
    }

    /// SENTIMENT of every body, outside any timing (reviews.sql's RCF feature).
    public static func sentimentScores(_ fields: ReviewFields) throws(SentimentError) -> [Double] {
        let scorer = try SentimentScorer.shared()
        let scratch = SentimentScratch()
        return fields.bodyBytes.withUnsafeBytes { all in
            (0..<fields.count).map { i in
                (try? scorer.compound(utf8: UnsafeRawBufferPointer(rebasing: all[fields.bodyOffsets[i]..<fields.bodyOffsets[i + 1]]), scratch: scratch)) ?? 0
            }
        }
    }

    /// One `RandomCutForest` per key (100 trees, 256 samples, KDA's defaults, as reviews.sql's
    /// RANDOM_CUT_FOREST_WITH_EXPLANATION), `processWithAttribution` on each record's features in order.
    public static func forests(keys: [Int], features: [[Double]], runs: Int, allocations: () -> UInt64 = { 0 }) throws -> Timing {
        let dimensions = features.first?.count ?? 1
        let configuration = try ForestConfiguration.kda(inputDimensions: dimensions, numberOfTrees: 100, subSampleSize: 256)
        var best = Timing(seconds: .infinity, allocations: 0, sum: 0)
        for _ in 0..<runs {
            var forests = try (0..<((keys.max() ?? 0) + 1)).map { key in
                var keyed = configuration
                keyed.seed = StableHash64.hash(UInt64(key))
                return try RandomCutForest(configuration: keyed)
            }
            var attribution = DiVector(dimensions: dimensions)
            var sum = 0.0
            let startAllocations = allocations()
            let start = threadCPUSeconds()
            for (key, record) in zip(keys, features) {
                sum += try record.withUnsafeBufferPointer { try forests[key].processWithAttribution($0, into: &attribution) }
            }
            let seconds = threadCPUSeconds() - start
            if seconds < best.seconds { best = Timing(seconds: seconds, allocations: allocations() - startAllocations, sum: sum) }
        }
        return best
    }
}
