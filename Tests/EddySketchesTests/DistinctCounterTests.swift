import Testing
@testable import EddySketches

@Suite struct DistinctCounterTests {
    @Test func exactUpToTenThousandThenEstimates() throws {
        var counter = try DistinctCounter()
        for i in 0..<10_000 {
            counter.insert("user-\(i)")
            counter.insert("user-\(i / 2)")
        }
        #expect(counter.isExact)
        #expect(counter.count == 10_000)
        for i in 10_000..<50_000 { counter.insert("user-\(i)") }
        #expect(!counter.isExact)
        #expect(abs(Double(counter.count) - 50_000) / 50_000 < 0.02)
        counter.reset()
        #expect(counter.count == 0)
        #expect(counter.isExact)
    }

    @Test func mergeStaysExactWithinLimit() throws {
        var a = try DistinctCounter(exactLimit: 100)
        var b = try DistinctCounter(exactLimit: 100)
        for i in 0..<60 { a.insert(Int64(i)) }
        for i in 30..<90 { b.insert(Int64(i)) }
        try a.merge(b)
        #expect(a.isExact && a.count == 90)
        var c = try DistinctCounter(exactLimit: 100)
        for i in 90..<200 { c.insert(Int64(i)) }
        try a.merge(c)
        #expect(!a.isExact)
        #expect(abs(a.count - 200) <= 2)
    }

    @Test func hashingTreatsEqualDoublesAlike() {
        #expect(StableHash64.hash(0.0) == StableHash64.hash(-0.0))
        #expect(StableHash64.hash(Double.nan) == StableHash64.hash(-Double.nan))
        #expect(StableHash64.hash("abc") != StableHash64.hash("abd"))
        #expect(StableHash64.hash("", seed: 1) != StableHash64.hash("", seed: 2))
        let long = String(repeating: "x", count: 200)
        #expect(StableHash64.hash(long) != StableHash64.hash(long + "y"))
    }

    @Test func hashSpreadsBitsEvenly() {
        // Every output bit of sequential integers should be set about half the time.
        var ones = [Int](repeating: 0, count: 64)
        let n = 20_000
        for i in 0..<n {
            let h = StableHash64.hash(Int64(i))
            for bit in 0..<64 where h & (1 << UInt64(bit)) != 0 { ones[bit] += 1 }
        }
        for count in ones { #expect(abs(Double(count) / Double(n) - 0.5) < 0.02) }
    }
}
