import BenchmarkSupport
import PythonReference
import EddySketches
import Foundation

/// Random Cut Forest throughput: score-then-update per record, 100 trees, 256 samples, AWS's default
/// time decay 1/(10·256), against krcf (Rust) and jrcf (AWS Java) on the same records.
enum RCFBench {
    struct Row {
        var name: String
        var eddyRate: Double
        var eddyMemory: Int
        var eddySnapshot: Int
        /// Sum of Eddy's scores over the records: equal sums across builds mean equal scores.
        var eddyScoreSum: Double = 0
        var krcfRate: Double?
        var krcfBytes: Int?
        var jrcfRate: Double?
        var jrcfBytes: Int?
    }

    /// A benchmark row. `keyed` rows feed one forest per key (the first value of each record is the
    /// key), as `RANDOM_CUT_FOREST_WITH_EXPLANATION(..., 'PARTITION_BY=product_category')` does in
    /// reviews.sql; `explain` rows compute the attribution (DiVector) with each score.
    struct Case {
        var name: String
        var dimensions: Int
        var shingle: Int
        var keyed = false
        var explain = false
    }

    static let cases: [Case] = [
        Case(name: "d=1 shingle 1", dimensions: 1, shingle: 1),
        Case(name: "d=1 shingle 8", dimensions: 1, shingle: 8),
        Case(name: "d=4 shingle 1", dimensions: 4, shingle: 1),
        Case(name: "d=3 explain, 10 keyed forests", dimensions: 3, shingle: 1, keyed: true, explain: true),
    ]

    /// Sines of different periods per column plus Gaussian noise and a few spikes.
    static func records(count: Int, dimensions: Int, seed: UInt64) -> [[Double]] {
        var rng = SplitMix(state: seed)
        return (0..<count).map { i in
            (0..<dimensions).map { j in
                var value = 10 * sin(Double(i) / Double(20 + 7 * j)) + rng.gaussian()
                if i % 997 == 0 { value += 25 }
                return value
            }
        }
    }

    /// Review-like keyed records `[key, star rating, sentiment, review length]`: keys by reviews.sql's
    /// category shares (EddyWorkload's ReviewVocabulary), a skewed 1–5 rating, a sentiment that follows
    /// the rating with noise, a log-normal length, and a few one-star very long reviews.
    static func keyedReviewRecords(count: Int, seed: UInt64) -> [[Double]] {
        let categoryShares = [24.0, 16, 13, 10, 9, 8, 7, 6, 4, 3]
        let ratingShares = [0.08, 0.06, 0.10, 0.20, 0.56]
        var rng = SplitMix(state: seed)
        func draw(_ shares: [Double]) -> Int {
            var u = rng.unit() * shares.reduce(0, +)
            for (index, share) in shares.enumerated() {
                if u < share { return index }
                u -= share
            }
            return shares.count - 1
        }
        return (0..<count).map { i in
            let key = Double(draw(categoryShares))
            var rating = Double(draw(ratingShares) + 1)
            var length = exp(4.5 + 0.8 * rng.gaussian()).rounded()
            if i % 997 == 0 {
                rating = 1
                length = 5000
            }
            let sentiment = max(-1, min(1, (rating - 3) / 2.5 + 0.25 * rng.gaussian()))
            return [key, rating, sentiment, length]
        }
    }

    static let runs = 3

    /// `eddyOnly` skips the reference runs (the quick loop while optimizing; the table then has no ratios).
    static func run(pointCount: Int, eddyOnly: Bool = false, only: String? = nil, failures: inout [String]) -> [Row] {
        var rows: [Row] = []
        for benchCase in cases where only.map({ benchCase.name.contains($0) }) ?? true {
            let (name, dimensions, shingle) = (benchCase.name, benchCase.dimensions, benchCase.shingle)
            let data = benchCase.keyed
                ? keyedReviewRecords(count: pointCount, seed: 2024)
                : records(count: pointCount, dimensions: dimensions, seed: 2024)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sketchbench-\(rows.count).csv")
            let text = data.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
            try? text.write(to: file, atomically: true, encoding: .utf8)

            // Fastest of three runs on fresh forests, as the reference script does for krcf and jrcf.
            let configuration = ForestConfiguration(
                inputDimensions: dimensions, shingleSize: shingle, numberOfTrees: 100, sampleSize: 256, seed: 1)
            var elapsed = Double.infinity
            var memory = 0
            var snapshot = 0
            var checksum = 0.0
            for _ in 0..<runs {
                let (time, sum, forests) = benchCase.keyed
                    ? timeKeyed(data, configuration: configuration, explain: benchCase.explain)
                    : timeSingle(data, configuration: configuration, explain: benchCase.explain)
                checksum = sum
                if time < elapsed {
                    elapsed = time
                    memory = forests.reduce(0) { $0 + $1.memoryBytes }
                    snapshot = forests.reduce(0) { $0 + $1.serialized().count }
                }
            }
            var row = Row(name: name, eddyRate: Double(pointCount) / elapsed, eddyMemory: memory, eddySnapshot: snapshot)
            row.eddyScoreSum = checksum
            if checksum.isNaN { failures.append("Eddy produced NaN scores for \(name)") }

            if eddyOnly {
                rows.append(row)
                continue
            }
            do {
                let result = try PythonReference.lastJSONObject("rcf_reference.py", [
                    "bench", file.path, "--dimensions", "\(dimensions)", "--shingle", "\(shingle)",
                    "--trees", "100", "--samples", "256", "--seeds", "1", "--runs", "\(runs)",
                ] + (benchCase.keyed ? ["--keyed"] : []) + (benchCase.explain ? ["--explain"] : []))
                if let krcf = result["krcf"] as? [String: Any] {
                    row.krcfRate = krcf["points_per_second"] as? Double
                    row.krcfBytes = krcf["forest_bytes"] as? Int
                }
                if let jrcf = result["jrcf"] as? [String: Any] {
                    row.jrcfRate = jrcf["points_per_second"] as? Double
                    row.jrcfBytes = jrcf["forest_bytes"] as? Int
                    if let error = jrcf["error"] as? String { failures.append(error) }
                }
            } catch {
                failures.append("\(name): \(error)")
            }
            rows.append(row)
        }
        return rows
    }

    /// One forest over all records: score (or attribution) then update per record, as KDA does.
    /// Returns the thread CPU seconds, the sum of the scores, and the forest.
    static func timeSingle(_ data: [[Double]], configuration: ForestConfiguration, explain: Bool) -> (Double, Double, [RandomCutForest]) {
        var forest = try! RandomCutForest(configuration: configuration)
        var attribution = DiVector(dimensions: configuration.pointDimensions)
        var checksum = 0.0
        let start = threadCPUSeconds()
        for record in data {
            if explain {
                checksum += record.withUnsafeBufferPointer { try! forest.processWithAttribution($0, into: &attribution) }
            } else {
                checksum += try! forest.process(record)
            }
        }
        return (threadCPUSeconds() - start, checksum, [forest])
    }

    /// One forest per key (the record's first value), seeded `seed + key` as the reference script
    /// seeds krcf's; the rest of the record are the features.
    static func timeKeyed(_ data: [[Double]], configuration: ForestConfiguration, explain: Bool) -> (Double, Double, [RandomCutForest]) {
        let keys = Int(data.map { $0[0] }.max() ?? 0) + 1
        var forests = (0..<keys).map { key in
            var keyed = configuration
            keyed.seed = configuration.seed + UInt64(key)
            return try! RandomCutForest(configuration: keyed)
        }
        var attribution = DiVector(dimensions: configuration.pointDimensions)
        var checksum = 0.0
        let start = threadCPUSeconds()
        for record in data {
            let key = Int(record[0])
            checksum += record.withUnsafeBufferPointer { all in
                let features = UnsafeBufferPointer(rebasing: all[1...])
                return explain
                    ? try! forests[key].processWithAttribution(features, into: &attribution)
                    : try! forests[key].process(features)
            }
        }
        return (threadCPUSeconds() - start, checksum, forests)
    }

    static func printTable(_ rows: [Row]) {
        print("Random Cut Forest, 100 trees, 256 samples, time decay 1/2560, score (explain rows: attribution) + update per point, \(runs) runs each (fastest counts), thread CPU time; keyed rows: one forest per key, bytes summed over the forests")
        print("| case | Eddy pts/s | Eddy µs/pt | krcf pts/s | krcf µs/pt | jrcf pts/s | jrcf µs/pt | Eddy/krcf | Eddy/jrcf | Eddy bytes (memory / snapshot) | krcf bytes (msgpack) | jrcf bytes (JSON state) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows {
            func rate(_ value: Double?) -> String { value.map { format($0, 0) } ?? "n/a" }
            func micros(_ value: Double?) -> String { value.map { format(1e6 / $0, 1) } ?? "n/a" }
            func ratio(_ value: Double?) -> String { value.map { format(row.eddyRate / $0, 2) + "×" } ?? "n/a" }
            if row.krcfRate == nil { print("score sum \(row.name): \(row.eddyScoreSum)") }
            print("| \(row.name) | \(rate(row.eddyRate)) | \(micros(row.eddyRate)) | \(rate(row.krcfRate)) | \(micros(row.krcfRate)) | \(rate(row.jrcfRate)) | \(micros(row.jrcfRate)) | \(ratio(row.krcfRate)) | \(ratio(row.jrcfRate)) | \(row.eddyMemory) / \(row.eddySnapshot) | \(row.krcfBytes.map(String.init) ?? "n/a") | \(row.jrcfBytes.map(String.init) ?? "n/a") |")
        }
    }
}
