import EddyCore
import Testing
@testable import EddySketches

@Suite struct SpaceSavingTests {
    @Test func exactWhileDistinctItemsFitCapacity() throws {
        var summary = try SpaceSaving<String>(capacity: 10)
        let counts = ["a": 7, "b": 3, "c": 12, "d": 1]
        for (item, n) in counts.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<n { try summary.insert(item) }
        }
        #expect(summary.isExact)
        let top = summary.top(3)
        #expect(top.map(\.item) == ["c", "a", "b"])
        #expect(top.map(\.count) == [12, 7, 3])
        #expect(top.allSatisfy { $0.error == 0 })
    }

    @Test func boundsHoldOnSkewedStreamPastCapacity() throws {
        var rng = SplitMix64(seed: 42)
        var summary = try SpaceSaving<Int64>(capacity: 50)
        var truth: [Int64: Int64] = [:]
        for _ in 0..<50_000 {
            // Zipf-like: item k drawn with probability ∝ 1/k over 1000 items (via inverse of a power law).
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            let item = Int64((pow1000(u)).rounded(.down))
            try summary.insert(item)
            truth[item, default: 0] += 1
        }
        #expect(!summary.isExact)
        for entry in summary.top(50) {
            let real = truth[entry.item, default: 0]
            #expect(entry.count >= real)
            #expect(entry.count - entry.error <= real)
            #expect(entry.error <= summary.totalWeight / 50)
        }
        // The true top 5 are all reported in the top 10.
        let trueTop = truth.sorted { $0.value > $1.value }.prefix(5).map(\.key)
        let reported = Set(summary.top(10).map(\.item))
        for item in trueTop { #expect(reported.contains(item)) }
    }

    /// Maps u ∈ [0,1) to an item in 1..1000 with roughly 1/k frequency (log-uniform).
    private func pow1000(_ u: Double) -> Double {
        var result = 1.0
        // 1000^u computed by repeated squaring-free exponentiation through e^(u·ln 1000).
        let x = u * 6.907755278982137
        var term = 1.0
        result = 1.0
        for k in 1..<60 {
            term *= x / Double(k)
            result += term
        }
        return result
    }

    @Test func mergeKeepsBounds() throws {
        var a = try SpaceSaving<String>(capacity: 5)
        var b = try SpaceSaving<String>(capacity: 5)
        var truth: [String: Int64] = [:]
        let streamA = ["x", "x", "x", "y", "z", "w", "v", "u", "x", "y"]
        let streamB = ["y", "y", "y", "q", "x", "r", "s", "t", "y"]
        for item in streamA { try a.insert(item); truth[item, default: 0] += 1 }
        for item in streamB { try b.insert(item); truth[item, default: 0] += 1 }
        try a.merge(b)
        #expect(a.totalWeight == Int64(streamA.count + streamB.count))
        #expect(a.monitoredCount == 5)
        for entry in a.top(5) {
            #expect(entry.count >= truth[entry.item]!)
            #expect(entry.count - entry.error <= truth[entry.item]!)
        }
        #expect(a.top(2).map(\.item) == ["y", "x"])
        #expect(throws: SketchConfigurationError.self) { try a.merge(try SpaceSaving<String>(capacity: 6)) }
    }

    @Test func serializationRoundTrips() throws {
        var summary = try SpaceSaving<String>(capacity: 4)
        for item in ["a", "b", "a", "c", "d", "e", "a", "é", "b"] { try summary.insert(item) }
        let restored = try SpaceSaving<String>(serialized: summary.serialized())
        #expect(restored.top(4) == summary.top(4))
        #expect(restored.totalWeight == summary.totalWeight)
        var continued = restored
        var original = summary
        try continued.insert("z", weight: 3)
        try original.insert("z", weight: 3)
        #expect(continued.top(4) == original.top(4))
        #expect(throws: SketchDecodingError.self) { try SpaceSaving<String>(serialized: Array(summary.serialized().dropLast(3))) }
        #expect(throws: SketchDecodingError.self) { try SpaceSaving<Int64>(serialized: [1, 2, 3]) }
    }

    @Test func rejectsBadArguments() throws {
        #expect(throws: SketchConfigurationError.self) { try SpaceSaving<String>(capacity: 0) }
        var summary = try SpaceSaving<String>(capacity: 2)
        #expect(throws: SketchConfigurationError.self) { try summary.insert("a", weight: 0) }
        #expect(summary.totalWeight == 0)
    }
}
