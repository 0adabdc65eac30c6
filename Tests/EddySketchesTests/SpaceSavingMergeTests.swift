import EddyCore
import Testing
@testable import EddySketches

/// `SpaceSaving.merged` (global TOP_K_ITEMS_TUMBLING under scale-out): parts fed disjoint shares of
/// a seeded Zipf-like stream, merged at once, against one summary fed the whole stream and against
/// the true counts.
@Suite struct SpaceSavingMergeTests {
    /// `count` items drawn with weight 1/(rank+1) from `distinct` values, each with the part that owns it.
    static func stream(seed: UInt64, count: Int, distinct: Int, parts: Int) -> [(item: Int64, part: Int)] {
        var rng = SplitMix64(seed: seed)
        var cumulative: [Double] = []
        var sum = 0.0
        for rank in 0..<distinct { sum += 1 / Double(rank + 1); cumulative.append(sum) }
        return (0..<count).map { _ in
            let u = Double(rng.next() >> 11) / Double(1 << 53) * sum
            var low = 0, high = distinct - 1
            while low < high { let mid = (low + high) / 2; if cumulative[mid] < u { low = mid + 1 } else { high = mid } }
            return (Int64(low), Int(rng.next() % UInt64(parts)))
        }
    }

    static func summaries(_ stream: [(item: Int64, part: Int)], parts: Int, capacity: Int) throws
        -> (single: SpaceSaving<Int64>, parts: [SpaceSaving<Int64>], truth: [Int64: Int64]) {
        var single = try SpaceSaving<Int64>(capacity: capacity)
        var shares = try (0..<parts).map { _ in try SpaceSaving<Int64>(capacity: capacity) }
        var truth: [Int64: Int64] = [:]
        for (item, part) in stream {
            try single.insert(item)
            try shares[part].insert(item)
            truth[item, default: 0] += 1
        }
        return (single, shares, truth)
    }

    @Test func withinCapacityTheMergeEqualsOneSummaryExactly() throws {
        for parts in 2...4 {
            let stream = Self.stream(seed: UInt64(parts), count: 5_000, distinct: 80, parts: parts)
            let run = try Self.summaries(stream, parts: parts, capacity: 100)
            // One part holds no items at all (a task without records in the window).
            let merged = try SpaceSaving.merged(run.parts + [try SpaceSaving<Int64>(capacity: 100)])
            #expect(merged.isExact && run.single.isExact)
            #expect(merged.totalWeight == run.single.totalWeight)
            let mergedCounts = Dictionary(uniqueKeysWithValues: merged.entries.map { ($0.item, $0.count) })
            let singleCounts = Dictionary(uniqueKeysWithValues: run.single.entries.map { ($0.item, $0.count) })
            #expect(mergedCounts == singleCounts)
            #expect(mergedCounts == run.truth)
        }
    }

    /// A part that is exactly full but never recycled a counter holds the whole union: still exact.
    @Test func aFullPartThatNeverRecycledKeepsTheMergeExact() throws {
        var full = try SpaceSaving<Int64>(capacity: 4), small = try SpaceSaving<Int64>(capacity: 4)
        for item: Int64 in [1, 2, 3, 4, 4, 4] { try full.insert(item) }
        for item: Int64 in [4, 2] { try small.insert(item) }
        let merged = try SpaceSaving.merged([small, full])
        #expect(merged.isExact)
        #expect(merged.entries.map(\.item) == [4, 2, 1, 3])
        #expect(merged.entries.map(\.count) == [4, 2, 1, 1])
    }

    /// Past capacity: for every monitored item `count - error ≤ true ≤ count`, and `count - true` is at
    /// most N / capacity, Space-Saving's bound for one summary (which the single summary also meets).
    @Test func pastCapacityTheBoundsOfOneSummaryHold() throws {
        for parts in 2...4 {
            let capacity = 50
            let stream = Self.stream(seed: 100 + UInt64(parts), count: 20_000, distinct: 2_000, parts: parts)
            let run = try Self.summaries(stream, parts: parts, capacity: capacity)
            let merged = try SpaceSaving.merged(run.parts)
            #expect(!merged.isExact)
            #expect(merged.monitoredCount == capacity)
            let bound = Int64(stream.count / capacity)
            for summary in [merged, run.single] {
                for entry in summary.entries {
                    let truth = run.truth[entry.item] ?? 0
                    #expect(entry.count - entry.error <= truth && truth <= entry.count, "\(entry) truth \(truth)")
                    #expect(entry.count - truth <= bound, "\(entry) truth \(truth) bound \(bound)")
                }
            }
            // The K largest counts name items whose true counts are at least the K-th largest true
            // count minus the bound (an item left out has an upper bound no larger than theirs).
            let k = 10
            let kthTrue = run.truth.values.sorted(by: >)[k - 1]
            for summary in [merged, run.single] {
                for entry in summary.entries.prefix(k) {
                    #expect(run.truth[entry.item, default: 0] >= kthTrue - bound, "\(entry) k-th true \(kthTrue)")
                }
            }
        }
    }

    @Test func mergedRefusesMismatchedOrOverflowingParts() throws {
        #expect(throws: SketchConfigurationError.self) { try SpaceSaving<Int64>.merged([]) }
        #expect(throws: SketchConfigurationError.self) {
            try SpaceSaving.merged([try SpaceSaving<Int64>(capacity: 3), try SpaceSaving<Int64>(capacity: 4)])
        }
        var huge = try SpaceSaving<Int64>(capacity: 2)
        try huge.insert(1, weight: .max - 1)
        #expect(throws: SketchConfigurationError.self) { try SpaceSaving.merged([huge, huge]) }
    }

    @Test func onlySummariesBuiltByInsertsPassTheCheck() throws {
        let run = try Self.summaries(Self.stream(seed: 9, count: 3_000, distinct: 500, parts: 2), parts: 2, capacity: 40)
        try run.single.checkBuiltByInserts()
        for part in run.parts { try part.checkBuiltByInserts() }
        // A merge adds credits: its counts exceed its total weight.
        #expect(throws: SketchDecodingError.self) { try SpaceSaving.merged(run.parts).checkBuiltByInserts() }
        var tampered = run.single
        tampered.totalWeight += 1
        #expect(throws: SketchDecodingError.self) { try tampered.checkBuiltByInserts() }
        tampered.totalWeight = Int64(1) << 50
        #expect(throws: SketchDecodingError.self) { try tampered.checkBuiltByInserts() }
    }
}
