import EddySketches
import Foundation

let n = 20000
var cfg = ForestConfiguration(inputDimensions: 1, shingleSize: 1, seed: 42)
var f = try RandomCutForest(configuration: cfg)
var scores: [Double] = []
var state: UInt64 = 1
@MainActor func gauss() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; let u = Double(state >> 11) * 0x1p-53; state = state &* 6364136223846793005 &+ 1442695040888963407; let v = Double(state >> 11) * 0x1p-53; return (-2 * log(u + 1e-300)).squareRoot() * cos(2 * .pi * v) }
let pts = (0..<n).map { i in [sin(Double(i) / 20) + 0.1 * gauss()] }
let t0 = Date()
for p in pts { scores.append(try f.process(p)) }
let dt = Date().timeIntervalSince(t0)
let sorted = scores.sorted()
var g = try RandomCutForest(configuration: cfg)
for p in pts.prefix(10000) { try g.update(p) }
let t1 = Date()
var acc = 0.0
for p in pts.suffix(10000) { acc += try g.score(p) }
let t2 = Date()
for p in pts.suffix(10000) { try g.update(p) }
let t3 = Date()
print("score us", t2.timeIntervalSince(t1) * 100, "update us", t3.timeIntervalSince(t2) * 100, acc)
print("pts/s", Double(n) / dt, "median", sorted[n / 2], "max", sorted.last!, "mem", f.memoryBytes)
