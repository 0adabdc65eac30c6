import BenchmarkSupport
import PythonReference
import EddySketches
import Foundation

/// HyperLogLog update cost and accuracy against Apache DataSketches (HLL_8, same memory), on the same
/// SplitMix64 keys: 32 seeds × 10⁶ distinct keys, relative error at 10⁴, 10^4.5, 10⁵, 10^5.5 and 10⁶.
/// 32 seeds, not 4: the mean absolute error of 20 correlated samples swings by ±20 % between seed sets,
/// more than the difference between two HIP-estimating sketches of the same memory.
enum HLLBench {
    struct Row {
        var lgK: Int
        var eddyNanos: Double
        var eddyError: Double
        var eddyBytes: Int
        var referenceNanos: Double?
        var referenceError: Double?
        var referenceBytes: Int?
    }

    static let seeds: [UInt64] = Array(0..<128)
    static let checkpoints = [10_000, 31_623, 100_000, 316_228, 1_000_000]

    static func run(failures: inout [String]) -> [Row] {
        var rows: [Row] = []
        for lgK in [12, 14] {
            var errors: [Double] = []
            var errorsByN: [Int: [Double]] = [:]
            var elapsed = 0.0
            var updates = 0
            var bytes = 0
                        for seed in seeds {
                var rng = SplitMix(state: seed)
                var keys = [UInt64](repeating: 0, count: checkpoints.last!)
                for i in keys.indices { keys[i] = rng.next() }
                var sketch = try! HyperLogLog(lgK: lgK)
                var done = 0
                for checkpoint in checkpoints {
                    let start = threadCPUSeconds()
                    for i in done..<checkpoint { sketch.insert(hash: StableHash64.hash(keys[i])) }
                    elapsed += threadCPUSeconds() - start
                    updates += checkpoint - done
                    done = checkpoint
                    errors.append(abs(sketch.estimate - Double(checkpoint)) / Double(checkpoint))
                    errorsByN[checkpoint, default: []].append(errors[errors.count - 1])
                }
                bytes = sketch.serialized().count
            }
            if CommandLine.arguments.contains("--hll-by-n") {
                for n in checkpoints { print("lg_k \(lgK) n \(n): Eddy mean abs rel. error \(errorsByN[n]!.reduce(0, +) / Double(errorsByN[n]!.count))") }
            }
            var row = Row(
                lgK: lgK, eddyNanos: elapsed / Double(updates) * 1e9,
                eddyError: errors.reduce(0, +) / Double(errors.count), eddyBytes: bytes)
            do {
                let result = try PythonReference.lastJSONObject("hll_reference.py", [
                    "--lg-k", "\(lgK)", "--seeds", seeds.map { "\($0)" }.joined(separator: ","),
                    "--checkpoints", checkpoints.map { "\($0)" }.joined(separator: ","),
                ])
                row.referenceNanos = result["ns_per_update"] as? Double
                row.referenceError = result["mean_abs_relative_error"] as? Double
                row.referenceBytes = result["sketch_bytes"] as? Int
            } catch {
                failures.append("HLL lg_k \(lgK): \(error)")
            }
            rows.append(row)
        }
        return rows
    }

    static func printTable(_ rows: [Row]) {
        print("HyperLogLog, n = 10^4…10^6, 32 seeds (datasketches timed through its Python binding: includes the interpreter's per-call cost)")
        print("| lg_k | Eddy ns/update | datasketches ns/update | speed ratio | Eddy mean abs rel. error | datasketches error | Eddy bytes | datasketches bytes |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows {
            let ratio = row.referenceNanos.map { format($0 / row.eddyNanos, 1) + "×" } ?? "n/a"
            print("| \(row.lgK) | \(format(row.eddyNanos, 1)) | \(row.referenceNanos.map { format($0, 1) } ?? "n/a") | \(ratio) | \(format(row.eddyError * 100, 3)) % | \(row.referenceError.map { format($0 * 100, 3) + " %" } ?? "n/a") | \(row.eddyBytes) | \(row.referenceBytes.map(String.init) ?? "n/a") |")
        }
    }
}
