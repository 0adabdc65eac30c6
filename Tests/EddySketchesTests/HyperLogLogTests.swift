import EddyCore
import Testing
@testable import EddySketches

@Suite struct HyperLogLogTests {
    /// Feeds `n` distinct random 8-byte keys (hashed through the byte path) and returns the relative error.
    private static func relativeErrors(lgK: Int, seeds: Range<UInt64>, checkpoints: [Int]) -> [Double] {
        var errors: [Double] = []
        for seed in seeds {
            var rng = SplitMix64(seed: seed)
            var sketch = try! HyperLogLog(lgK: lgK)
            var inserted = 0
            for checkpoint in checkpoints {
                while inserted < checkpoint {
                    // Random 64-bit keys: collisions among 10^6 of them have probability ~3e-8.
                    sketch.insert(hash: StableHash64.hash(rng.next(), seed: 7))
                    inserted += 1
                }
                errors.append(abs(sketch.estimate - Double(checkpoint)) / Double(checkpoint))
            }
        }
        return errors
    }

    private static let checkpoints = [10_000, 31_623, 100_000, 316_228, 1_000_000]

    @Test func meanRelativeErrorAtFourKiBMatchesDataSketches() {
        let errors = Self.relativeErrors(lgK: 12, seeds: 0..<24, checkpoints: Self.checkpoints)
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(mean <= 0.011, "lgK 12 mean |relative error| \(mean)")
        #expect(mean > 0.002, "suspiciously exact: \(mean)")
    }

    @Test func meanRelativeErrorAtSixteenKiBMatchesDataSketches() {
        let errors = Self.relativeErrors(lgK: 14, seeds: 100..<112, checkpoints: Self.checkpoints)
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(mean <= 0.005, "lgK 14 mean |relative error| \(mean)")
    }

    @Test func smallCardinalitiesAreNearlyExactInSparseMode() throws {
        var sketch = try HyperLogLog(lgK: 12)
        for i in 0..<1000 { sketch.insert("item-\(i)") }
        for i in 0..<1000 { sketch.insert("item-\(i)") } // duplicates change nothing
        #expect(sketch.isSparse)
        #expect(abs(sketch.estimate - 1000) < 1.5)
        for i in 1000..<5000 { sketch.insert("item-\(i)") }
        #expect(!sketch.isSparse)
        #expect(abs(sketch.estimate - 5000) / 5000 < 0.03)
    }

    @Test func mergeEqualsSketchOfUnion() throws {
        var a = try HyperLogLog(lgK: 12)
        var b = try HyperLogLog(lgK: 12)
        var union = try HyperLogLog(lgK: 12)
        for i in 0..<60_000 {
            let h = StableHash64.hash(Int64(i))
            if i % 3 == 0 { a.insert(hash: h) } else { b.insert(hash: h) }
            if i % 5 == 0 { a.insert(hash: h) } // overlap
            union.insert(hash: h)
        }
        try a.merge(b)
        #expect(a.registers == union.registers)
        #expect(abs(a.estimate - 60_000) / 60_000 < 0.05)
        // Sparse + sparse stays sparse and counts the union.
        var small1 = try HyperLogLog(lgK: 14)
        var small2 = try HyperLogLog(lgK: 14)
        for i in 0..<300 { small1.insert(Int64(i)) }
        for i in 200..<500 { small2.insert(Int64(i)) }
        try small1.merge(small2)
        #expect(small1.isSparse)
        #expect(abs(small1.estimate - 500) < 1.5)
    }

    @Test func mergeRejectsDifferentPrecision() throws {
        var a = try HyperLogLog(lgK: 12)
        #expect(throws: SketchConfigurationError.self) { try a.merge(try HyperLogLog(lgK: 13)) }
        #expect(throws: SketchConfigurationError.self) { try HyperLogLog(lgK: 3) }
        #expect(throws: SketchConfigurationError.self) { try HyperLogLog(lgK: 19) }
    }

    @Test func serializationRoundTripsSparseAndDense() throws {
        for n in [0, 10, 800, 50_000] {
            var sketch = try HyperLogLog(lgK: 12)
            for i in 0..<n { sketch.insert(Double(i) * 0.5) }
            let restored = try HyperLogLog(serialized: sketch.serialized())
            #expect(restored == sketch)
            #expect(restored.estimate == sketch.estimate)
        }
    }

    @Test func corruptBytesBecomeErrors() throws {
        var sketch = try HyperLogLog(lgK: 10)
        for i in 0..<5000 { sketch.insert(Int64(i)) }
        let bytes = sketch.serialized()
        #expect(throws: SketchDecodingError.self) { try HyperLogLog(serialized: Array(bytes.dropLast())) }
        #expect(throws: SketchDecodingError.self) { try HyperLogLog(serialized: Array("XHLL".utf8) + bytes.dropFirst(4)) }
        var badRegister = bytes
        badRegister[badRegister.count - 1] = 200
        #expect(throws: SketchDecodingError.self) { try HyperLogLog(serialized: badRegister) }
        #expect(throws: SketchDecodingError.self) { try HyperLogLog(serialized: bytes + [0]) }
    }

    @Test func ertlEstimatorIsAccurateWithoutHistory() throws {
        // A merged sketch has no HIP history; Ertl's estimator must still be within a few standard errors.
        var total = 0.0
        for seed in UInt64(0)..<8 {
            var rng = SplitMix64(seed: 1000 + seed)
            var sketch = try HyperLogLog(lgK: 12)
            for _ in 0..<200_000 { sketch.insert(hash: StableHash64.hash(rng.next())) }
            total += abs(ErtlEstimator.estimate(registers: sketch.registers, lgK: 12) - 200_000) / 200_000
        }
        #expect(total / 8 < 0.02)
    }

    @Test func naturalLogMatchesKnownValues() {
        #expect(abs(Double.naturalLog(2) - 0.6931471805599453) < 1e-15)
        #expect(abs(Double.naturalLog(10) - 2.302585092994046) < 1e-14)
        #expect(abs(Double.naturalLog(1e-300) + 690.7755278982137) < 1e-10)
    }
}
