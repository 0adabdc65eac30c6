// SketchBench: Eddy's sketches against their reference implementations, measured in the same run on
// the same seeded data. Build with `swift build -c release --product SketchBench` and run
// `.build/release/SketchBench` from the package root (it calls Benchmarks/reference/*.py).
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let pointCount = quick ? 5_000 : 20_000

var failures: [String] = []

print("SketchBench — same run, same seeded data\n")
// `--eddy-only` times Eddy alone (no references, no ratios); `--case TEXT` keeps the RCF rows whose
// name contains TEXT and skips HLL: the quick loop while optimizing, and a target for `perf record`.
let eddyOnly = arguments.contains("--eddy-only")
let onlyCase = arguments.firstIndex(of: "--case").flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil }
// `--hll-only` skips the RCF rows.
if !arguments.contains("--hll-only") {
    let rcfRows = RCFBench.run(pointCount: pointCount, eddyOnly: eddyOnly, only: onlyCase, failures: &failures)
    RCFBench.printTable(rcfRows)
    print("")
}
if eddyOnly || onlyCase != nil { exit(failures.isEmpty ? 0 : 1) }
let hllRows = HLLBench.run(failures: &failures)
HLLBench.printTable(hllRows)

if !failures.isEmpty {
    print("\nReference problems:")
    for failure in failures { print("  - \(failure)") }
    exit(1)
}
