import EddyCore
import Testing
@testable import EddySketches

/// `DistinctCounter.formUnion` (global COUNT_DISTINCT_ITEMS_TUMBLING / APPROX_COUNT_DISTINCT under
/// scale-out): parts fed disjoint shares of a seeded stream, unioned, against one counter fed the
/// whole stream in order. Exact and sparse phases must match exactly; the dense phase must hold
/// exactly one counter's registers and estimate from them alone (Ertl), within the sketch's error of
/// one counter's HIP estimate.
@Suite struct DistinctCounterUnionTests {
    /// `count` items (with repeats) drawn from `distinct` values, each with the part that owns it.
    static func stream(seed: UInt64, count: Int, distinct: UInt64, parts: Int) -> [(item: Int64, part: Int)] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let item = Int64(rng.next() % distinct)
            // The share depends on the item and on chance, so one item's occurrences spread over parts.
            return (item, Int(rng.next() % UInt64(parts)))
        }
    }

    static func single(_ stream: [(item: Int64, part: Int)], _ make: () throws -> DistinctCounter) throws -> DistinctCounter {
        var counter = try make()
        for (item, _) in stream { counter.insert(item) }
        return counter
    }

    static func union(_ stream: [(item: Int64, part: Int)], parts: Int, order: [Int]? = nil,
                      _ make: () throws -> DistinctCounter) throws -> DistinctCounter {
        var counters = try (0..<parts).map { _ in try make() }
        for (item, part) in stream { counters[part].insert(item) }
        var combined = try make()
        for p in order ?? Array(0..<parts) { try combined.formUnion(counters[p]) }
        return combined
    }

    @Test func unionBelowTheLimitIsExactAndEqualsOneCounter() throws {
        let stream = Self.stream(seed: 1, count: 30_000, distinct: 9_000, parts: 3)
        let single = try Self.single(stream) { try DistinctCounter() }
        let combined = try Self.union(stream, parts: 3) { try DistinctCounter() }
        #expect(single.isExact && combined.isExact)
        #expect(combined.count == single.count)
        #expect(combined.count == Int64(Set(stream.map(\.item)).count))
    }

    /// Every part stays below 10,000 distinct items, the union passes it: the exact sets convert into
    /// the registers one counter would hold.
    @Test func unionCrossingTheLimitHoldsOneCountersRegisters() throws {
        let stream = Self.stream(seed: 2, count: 40_000, distinct: 24_000, parts: 4)
        let truth = Double(Set(stream.map(\.item)).count)
        let single = try Self.single(stream) { try DistinctCounter() }
        var parts = try (0..<4).map { _ in try DistinctCounter() }
        for (item, part) in stream { parts[part].insert(item) }
        #expect(parts.allSatisfy { $0.isExact })
        var combined = try DistinctCounter()
        for part in parts { try combined.formUnion(part) }
        try expectSameRegistersWithinError(combined, single, truth: truth)
    }

    /// Parts already past the limit themselves (HyperLogLog with HIP): sketches merge register-wise.
    @Test func unionOfSketchesHoldsOneCountersRegisters() throws {
        let stream = Self.stream(seed: 3, count: 120_000, distinct: 80_000, parts: 3)
        let truth = Double(Set(stream.map(\.item)).count)
        let single = try Self.single(stream) { try DistinctCounter() }
        var parts = try (0..<3).map { _ in try DistinctCounter() }
        for (item, part) in stream { parts[part].insert(item) }
        #expect(parts.allSatisfy { !$0.isExact })
        var combined = try DistinctCounter()
        for part in parts { try combined.formUnion(part) }
        try expectSameRegistersWithinError(combined, single, truth: truth)
    }

    /// The union depends on the set of items alone: any number of parts, any fold order, same count.
    @Test func unionDoesNotDependOnTheSplitOrTheFoldOrder() throws {
        for (seed, distinct) in [(4, UInt64(5_000)), (5, UInt64(30_000)), (6, UInt64(90_000))] as [(UInt64, UInt64)] {
            let base = Self.stream(seed: seed, count: 60_000, distinct: distinct, parts: 1)
            var counts: Set<Int64> = []
            for parts in 1...4 {
                var rng = SplitMix64(seed: seed &* 31 &+ UInt64(parts))
                let split = base.map { ($0.item, Int(rng.next() % UInt64(parts))) }
                counts.insert(try Self.union(split, parts: parts) { try DistinctCounter() }.count)
                counts.insert(try Self.union(split, parts: parts, order: Array((0..<parts).reversed())) { try DistinctCounter() }.count)
            }
            #expect(counts.count == 1, "distinct \(distinct): counts \(counts.sorted())")
        }
    }

    /// Sparse HyperLogLog (a small exact limit, few items): linear counting over the same entries, so
    /// the union's count equals one counter's exactly.
    @Test func sparseUnionEqualsOneCounterExactly() throws {
        let stream = Self.stream(seed: 7, count: 6_000, distinct: 2_500, parts: 3)
        let single = try Self.single(stream) { try DistinctCounter(exactLimit: 100) }
        let combined = try Self.union(stream, parts: 3) { try DistinctCounter(exactLimit: 100) }
        #expect(single.sketch?.isSparse == true && combined.sketch?.isSparse == true)
        #expect(combined.sketch?.sparse == single.sketch?.sparse)
        #expect(combined.count == single.count)
    }

    @Test func countersOfAnotherConfigurationAreRefused() throws {
        var a = try DistinctCounter()
        #expect(throws: SketchConfigurationError.self) { try a.formUnion(try DistinctCounter(exactLimit: 10)) }
        #expect(throws: SketchConfigurationError.self) { try a.formUnion(try DistinctCounter(lgK: 12)) }
    }

    /// Same registers as one counter; the estimate is Ertl's over them (bit for bit), within 2.5 %
    /// (three of Ertl's standard errors at lgK 14, 1.04/√16384 ≈ 0.81 %) of one counter's HIP estimate
    /// and of the truth.
    func expectSameRegistersWithinError(_ combined: DistinctCounter, _ single: DistinctCounter, truth: Double) throws {
        let c = try #require(combined.sketch), s = try #require(single.sketch)
        #expect(!c.isSparse && !s.isSparse)
        #expect(c.registers == s.registers)
        #expect(s.estimatesWithHistory && !c.estimatesWithHistory)
        #expect(combined.count == Int64(ErtlEstimator.estimate(registers: s.registers, lgK: s.lgK).rounded()))
        let tolerance = 3 * 1.04 / Double(1 << 7)
        #expect(abs(Double(combined.count) - Double(single.count)) <= tolerance * Double(single.count),
                "combined \(combined.count), single \(single.count)")
        #expect(abs(Double(combined.count) - truth) <= tolerance * truth, "combined \(combined.count), truth \(truth)")
    }
}
