// SketchBench: Eddy's sketches against their reference implementations, measured in the same run on
// the same seeded data. Build with `swift build -c release --product SketchBench` and run
// `.build/release/SketchBench` from the package root (it calls Benchmarks/reference/*.py).
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let pointCount = quick ? 5_000 : 20_000

var failures: [String] = []

print("SketchBench — same run, same seeded data\n")
let rcfRows = RCFBench.run(pointCount: pointCount, failures: &failures)
RCFBench.printTable(rcfRows)
print("")
let hllRows = HLLBench.run(failures: &failures)
HLLBench.printTable(hllRows)

if !failures.isEmpty {
    print("\nReference problems:")
    for failure in failures { print("  - \(failure)") }
    exit(1)
}
