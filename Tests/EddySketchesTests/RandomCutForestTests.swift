import EddyCore
import Testing
@testable import EddySketches

/// Seeded Gaussian noise via Box–Muller over SplitMix64.
struct NoiseSource {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func uniform() -> Double { rng.nextOpenUnit() }
    mutating func gaussian() -> Double {
        let u = uniform()
        let v = uniform()
        return (-2 * Double.naturalLog(u)).squareRoot() * cosine(2 * Double.pi * v)
    }
    /// Taylor cosine after range reduction; enough for test data.
    func cosine(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 2 * Double.pi)
        if y > Double.pi { y -= 2 * Double.pi }
        var term = 1.0
        var sum = 1.0
        for k in 1..<20 {
            term *= -y * y / Double((2 * k - 1) * (2 * k))
            sum += term
        }
        return sum
    }
}

@Suite struct RandomCutForestTests {
    static func series(count: Int, seed: UInt64, dimensions: Int = 1) -> [[Double]] {
        var noise = NoiseSource(seed: seed)
        return (0..<count).map { i in
            (0..<dimensions).map { j in noise.cosine(Double(i) / 20 + Double(j)) * 5 + noise.gaussian() * 0.3 }
        }
    }

    @Test func scoresAreZeroUntilOutputAfterThenOnAWSScale() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 1, numberOfTrees: 50, sampleSize: 64, seed: 3))
        let data = Self.series(count: 1500, seed: 1)
        var scores: [Double] = []
        for (i, record) in data.enumerated() {
            let score = try forest.process(record)
            if i < 64 { #expect(score == 0) }
            scores.append(score)
        }
        #expect(forest.isReady)
        let tail = scores.suffix(1000).sorted()
        let median = tail[tail.count / 2]
        #expect(median > 0.6 && median < 1.2, "median \(median)")
        // A spike far outside the data scores well above normal.
        let spike = try forest.score([60])
        #expect(spike > 2 * median, "spike \(spike) vs median \(median)")
    }

    @Test func sameSeedSameScoresOtherSeedDiffers() throws {
        let data = Self.series(count: 600, seed: 2, dimensions: 2)
        func run(_ seed: UInt64) throws -> [Double] {
            var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 2, numberOfTrees: 20, sampleSize: 32, seed: seed))
            return try data.map { try forest.process($0) }
        }
        #expect(try run(9) == run(9))
        #expect(try run(9) != run(10))
    }

    @Test func snapshotRestoreContinuesIdentically() throws {
        let configuration = ForestConfiguration(inputDimensions: 2, shingleSize: 3, numberOfTrees: 15, sampleSize: 40, seed: 11)
        var forest = try RandomCutForest(configuration: configuration)
        let data = Self.series(count: 900, seed: 5, dimensions: 2)
        for record in data.prefix(500) { _ = try forest.process(record) }
        var restored = try RandomCutForest(serialized: forest.serialized())
        #expect(restored.entriesSeen == forest.entriesSeen)
        for record in data.suffix(400) {
            #expect(try restored.process(record) == forest.process(record))
        }
        #expect(restored.serialized() == forest.serialized())
    }

    @Test func copiesAreIndependent() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 1, numberOfTrees: 10, sampleSize: 16, seed: 1))
        for record in Self.series(count: 100, seed: 8) { _ = try forest.process(record) }
        let frozen = forest
        let before = try frozen.score([0.5])
        for record in Self.series(count: 100, seed: 9) { _ = try forest.process([record[0] + 50]) }
        #expect(try frozen.score([0.5]) == before)
        #expect(try forest.score([0.5]) != before)
    }

    @Test func treesStayValidThroughLongChurn() throws {
        // Many evictions with duplicates and shingling; the snapshot validator checks every tree
        // invariant (cuts separate children, boxes are unions, masses, reservoirs, free lists).
        var forest = try RandomCutForest(configuration: ForestConfiguration(
            inputDimensions: 2, shingleSize: 2, numberOfTrees: 8, sampleSize: 16, timeDecay: 0.05, seed: 4))
        var noise = NoiseSource(seed: 6)
        for i in 0..<3000 {
            let record = i % 7 == 0 ? [1.0, 1.0] : [(noise.gaussian() * 4).rounded(), (noise.gaussian() * 4).rounded()]
            _ = try forest.process(record)
        }
        let restored = try RandomCutForest(serialized: forest.serialized())
        #expect(restored.entriesSeen == 2999)
        // The parent links and reservoir leaves maintained incrementally equal those rebuilt from scratch.
        let live = forest.storage
        let rebuilt = restored.storage
        for t in 0..<8 {
            var stack = [live.root[t]]
            while let reference = stack.popLast(), reference != ForestStorage.emptyRoot {
                if reference < 0 {
                    let leaf = t * 16 + Int(~reference)
                    #expect(live.leafParent[leaf] == rebuilt.leafParent[leaf])
                } else {
                    let node = t * 15 + Int(reference)
                    #expect(live.nodeParent[node] == rebuilt.nodeParent[node])
                    stack.append(live.nodes[node].left)
                    stack.append(live.nodes[node].right)
                }
            }
            for i in 0..<Int(live.sampleCount[t]) {
                #expect(live.sampleLeaf[t * 16 + i] == rebuilt.sampleLeaf[t * 16 + i])
            }
        }
    }

    @Test func attributionSumsToScoreAndPointsAtTheColumn() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 3, numberOfTrees: 40, sampleSize: 64, seed: 21))
        for record in Self.series(count: 800, seed: 12, dimensions: 3) { _ = try forest.process(record) }
        for (column, value, direction) in [(1, 40.0, ColumnAttribution.Direction.high), (2, -40.0, .low)] {
            var record = [0.0, 0.0, 0.0]
            record[column] = value
            let score = try forest.score(record)
            let attribution = try forest.attribution(record)
            #expect(abs(attribution.total - score) < 1e-9 * max(1, score))
            let columns = attribution.columns(inputDimensions: 3)
            let strongest = columns.indices.max { columns[$0].attributionScore < columns[$1].attributionScore }!
            #expect(strongest == column)
            #expect(columns[column].direction == direction)
            #expect(columns[column].attributionScore > 0.5 * score)
        }
        // A record equal to a sampled point (a duplicate) still gets an attribution summing to its score.
        let (score, attribution) = try forest.processWithAttribution([0, 0, 0])
        #expect(abs(attribution.total - score) < 1e-9 * max(1, score))
        let again = try forest.attribution([0, 0, 0])
        #expect(abs(again.total - (try forest.score([0, 0, 0]))) < 1e-9)
    }

    @Test func shinglingSeesBrokenPatterns() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 1, shingleSize: 8, numberOfTrees: 50, sampleSize: 128, seed: 5))
        #expect(forest.configuration.pointDimensions == 8)
        var scores: [Double] = []
        for i in 0..<2000 {
            // A square wave of period 20; at i = 1805, inside a low half, one blip to the high level.
            // Each value stays within the normal range: only the shingle (the pattern) is new.
            let phase = i == 1805 ? 1 : (i / 10) % 2
            scores.append(try forest.process([Double(phase)]))
        }
        let normal = scores[1000..<1790].sorted()
        let broken = scores[1805..<1813].max()!
        #expect(broken > 1.5 * normal[normal.count / 2], "broken \(broken) vs median \(normal[normal.count / 2])")
    }

    @Test func badRecordsAreRejectedWithoutChangingState() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 2, numberOfTrees: 5, sampleSize: 8))
        _ = try forest.process([1, 2])
        #expect(throws: RandomCutForest.RecordError.self) { try forest.process([1]) }
        #expect(throws: RandomCutForest.RecordError.self) { try forest.process([1, .nan]) }
        #expect(throws: RandomCutForest.RecordError.self) { try forest.process([1e300, 1]) }
        #expect(forest.recordsSeen == 1)
    }

    @Test func configurationRangesAreChecked() throws {
        #expect(throws: SketchConfigurationError.self) { try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 0)) }
        #expect(throws: SketchConfigurationError.self) { try ForestConfiguration.kda(inputDimensions: 1, numberOfTrees: 0) }
        #expect(throws: SketchConfigurationError.self) { try ForestConfiguration.kda(inputDimensions: 1, subSampleSize: 5) }
        #expect(throws: SketchConfigurationError.self) { try ForestConfiguration.kda(inputDimensions: 1, timeDecay: 0) }
        let kda = try ForestConfiguration.kda(inputDimensions: 2)
        #expect(kda.numberOfTrees == 100 && kda.sampleSize == 256 && kda.shingleSize == 1)
        #expect(kda.timeDecay == 1.0 / 100_000 && kda.outputAfter == 256)
    }

    @Test func corruptSnapshotsAreErrors() throws {
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 1, numberOfTrees: 4, sampleSize: 8, seed: 2))
        for record in Self.series(count: 50, seed: 3) { _ = try forest.process(record) }
        let bytes = forest.serialized()
        #expect(throws: SketchDecodingError.self) { try RandomCutForest(serialized: Array(bytes.dropLast())) }
        #expect(throws: SketchDecodingError.self) { try RandomCutForest(serialized: []) }
        // Flip single bytes across the body: each must either be rejected or still restore a forest
        // that works (a changed weight or a generator state is legal); none may crash.
        for position in stride(from: 5, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[position] ^= 0x5A
            if var restored = try? RandomCutForest(serialized: damaged) {
                for record in Self.series(count: 20, seed: 4) { _ = try restored.process(record) }
            }
        }
    }
}

@Suite struct ForestInternalsTests {
    @Test func groupScoringEqualsPerTreeScoring() throws {
        // The lockstep scorer must add up exactly what the one-tree-at-a-time scorer computes.
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 3, numberOfTrees: 13, sampleSize: 32, seed: 8))
        let data = RandomCutForestTests.series(count: 400, seed: 15, dimensions: 3)
        for record in data { _ = try forest.process(record) }
        let storage = forest.storage
        var path = [Int32](repeating: 0, count: 64)
        var paths = [Int32](repeating: 0, count: ForestStorage.groupSize * 33 + 4 * ForestStorage.groupSize)
        var lanes = [Double](repeating: 0, count: ForestStorage.groupSize)
        for record in data.prefix(50) + [[30, -30, 0], [0, 0, 0]] {
            var point = record.map(Float.init)
            var expected = 0.0
            for t in 0..<13 { expected += path.withUnsafeMutableBufferPointer { storage.score(tree: t, point: &point, path: $0.baseAddress!) } }
            var actual = 0.0
            var first = 0
            while first < 13 {
                let count = min(ForestStorage.groupSize, 13 - first)
                actual += paths.withUnsafeMutableBufferPointer { buffer in
                    lanes.withUnsafeMutableBufferPointer { scores in
                        storage.scoreGroup(first: first, count: count, point: &point, paths: buffer.baseAddress!,
                                           lanes: buffer.baseAddress! + ForestStorage.groupSize * 33, scores: scores.baseAddress!)
                    }
                }
                first += count
            }
            #expect(abs(actual - expected) <= 1e-12 * max(1, expected))
        }
    }

    /// Heavy churn (fast decay, small reservoirs), duplicates and shingling: many evictions remove a
    /// node on the walk that the fused update would reuse, so both of its branches are exercised.
    static func churnRecords(count: Int, seed: UInt64) -> [[Double]] {
        var noise = NoiseSource(seed: seed)
        return (0..<count).map { i in
            i % 5 == 0 ? [1.0, 2.0] : [(noise.gaussian() * 3).rounded(), noise.gaussian() * 3]
        }
    }

    static let churnConfiguration = ForestConfiguration(
        inputDimensions: 2, shingleSize: 2, numberOfTrees: 19, sampleSize: 16, timeDecay: 0.05, outputAfter: 8, seed: 12)

    @Test func processEqualsScoreThenUpdate() throws {
        // `process` scores and updates each tree over one walk; scoring everything first and then
        // updating (each update descending again) must give the same scores and the same state.
        var fused = try RandomCutForest(configuration: Self.churnConfiguration)
        var separate = try RandomCutForest(configuration: Self.churnConfiguration)
        for record in Self.churnRecords(count: 2000, seed: 4) {
            let score = try separate.score(record)
            try separate.update(record)
            #expect(try fused.process(record) == score)
        }
        #expect(fused.serialized() == separate.serialized())
        _ = try RandomCutForest(serialized: fused.serialized())
    }

    @Test func processWithAttributionEqualsAttributionThenUpdate() throws {
        var fused = try RandomCutForest(configuration: Self.churnConfiguration)
        var separate = try RandomCutForest(configuration: Self.churnConfiguration)
        var attribution = DiVector(dimensions: 4)
        for record in Self.churnRecords(count: 2000, seed: 5) {
            let expected = try separate.attribution(record)
            try separate.update(record)
            let score = try record.withUnsafeBufferPointer { try fused.processWithAttribution($0, into: &attribution) }
            #expect(attribution == expected)
            #expect(score == expected.total)
        }
        #expect(fused.serialized() == separate.serialized())
        _ = try RandomCutForest(serialized: fused.serialized())
    }

    @Test func groupAttributionEqualsPerTreeAttribution() throws {
        // The forest walks trees in lockstep groups for attribution; each tree descending on its own
        // must give exactly the same sums.
        var forest = try RandomCutForest(configuration: ForestConfiguration(inputDimensions: 3, numberOfTrees: 13, sampleSize: 32, seed: 8))
        let data = RandomCutForestTests.series(count: 400, seed: 15, dimensions: 3)
        for record in data { _ = try forest.process(record) }
        let storage = forest.storage
        let d = 3
        var path = [Int32](repeating: 0, count: 64)
        var accumulator = [Double](repeating: 0, count: 6 * d)
        var shadow = [Float](repeating: 0, count: 2 * d)
        for record in data.prefix(50) + [[30, -30, 0], data[7]] {
            var point = record.map(Float.init)
            for i in 0..<(2 * d) { accumulator[i] = 0 }
            accumulator.withUnsafeMutableBufferPointer { sums in
                path.withUnsafeMutableBufferPointer { path in
                    shadow.withUnsafeMutableBufferPointer { shadow in
                        for t in 0..<13 {
                            storage.addAttribution(tree: t, point: &point, path: path.baseAddress!, accumulator: sums.baseAddress!,
                                                   work: sums.baseAddress! + 2 * d, shadow: shadow.baseAddress!)
                        }
                    }
                }
            }
            let actual = try forest.attribution(record)
            for i in 0..<d {
                #expect(actual.high[i] == accumulator[i] / 13)
                #expect(actual.low[i] == accumulator[d + i] / 13)
            }
        }
    }

    @Test func keyedForestsSeparatePopulations() throws {
        var keyed = try KeyedRandomCutForests(
            configuration: ForestConfiguration(inputDimensions: 1, numberOfTrees: 30, sampleSize: 64, seed: 1), maximumKeys: 2)
        var noise = NoiseSource(seed: 3)
        for _ in 0..<800 {
            _ = try keyed.process(key: "books", record: [10 + noise.gaussian()])
            _ = try keyed.process(key: "cars", record: [1000 + 50 * noise.gaussian()])
        }
        // 40 is unremarkable between the two populations' ranges for one forest, but anomalous for books.
        let books = try keyed.process(key: "books", record: [40])
        let cars = try keyed.process(key: "cars", record: [1010])
        #expect(books > 2 * cars, "books \(books) cars \(cars)")
        #expect(throws: KeyedRandomCutForests.KeyLimitError.self) { try keyed.process(key: "toys", record: [1]) }
        // Seeds depend on the key, not on arrival order.
        var other = try KeyedRandomCutForests(
            configuration: ForestConfiguration(inputDimensions: 1, numberOfTrees: 30, sampleSize: 64, seed: 1), maximumKeys: 2)
        _ = try other.process(key: "cars", record: [1])
        #expect(other.forests["cars"]!.configuration.seed == keyed.forests["cars"]!.configuration.seed)
    }
}
