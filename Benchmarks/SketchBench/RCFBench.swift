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

    static let cases: [(name: String, dimensions: Int, shingle: Int)] = [
        ("d=1 shingle 1", 1, 1), ("d=1 shingle 8", 1, 8), ("d=4 shingle 1", 4, 1),
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

    static let runs = 3

    /// `eddyOnly` skips the reference runs (the quick loop while optimizing; the table then has no ratios).
    static func run(pointCount: Int, eddyOnly: Bool = false, only: String? = nil, failures: inout [String]) -> [Row] {
        var rows: [Row] = []
        for (name, dimensions, shingle) in cases where only.map({ name.contains($0) }) ?? true {
            let data = records(count: pointCount, dimensions: dimensions, seed: 2024)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sketchbench-\(dimensions)-\(shingle).csv")
            let text = data.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
            try? text.write(to: file, atomically: true, encoding: .utf8)

            // Fastest of three runs on fresh forests, as the reference script does for krcf and jrcf.
            var elapsed = Double.infinity
            var forest = try! RandomCutForest(configuration: ForestConfiguration(inputDimensions: dimensions, shingleSize: shingle))
            var checksum = 0.0
            for _ in 0..<runs {
                var candidate = try! RandomCutForest(configuration: ForestConfiguration(
                    inputDimensions: dimensions, shingleSize: shingle, numberOfTrees: 100, sampleSize: 256, seed: 1))
                checksum = 0.0
                let start = threadCPUSeconds()
                for record in data { checksum += try! candidate.process(record) }
                let time = threadCPUSeconds() - start
                if time < elapsed {
                    elapsed = time
                    forest = candidate
                }
            }
            var row = Row(
                name: name, eddyRate: Double(pointCount) / elapsed, eddyMemory: forest.memoryBytes,
                eddySnapshot: forest.serialized().count)
            row.eddyScoreSum = checksum
            if checksum.isNaN { failures.append("Eddy produced NaN scores for \(name)") }

            if eddyOnly {
                rows.append(row)
                continue
            }
            do {
                let result = try ReferenceScript.run("rcf_reference.py", [
                    "bench", file.path, "--dimensions", "\(dimensions)", "--shingle", "\(shingle)",
                    "--trees", "100", "--samples", "256", "--seeds", "1", "--runs", "\(runs)",
                ])
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

    static func printTable(_ rows: [Row]) {
        print("Random Cut Forest, 100 trees, 256 samples, time decay 1/2560, score+update per point, \(runs) runs each (fastest counts), thread CPU time")
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
