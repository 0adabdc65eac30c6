import EddyCore
import Testing
@testable import EddySketches

/// SplitMix64 with Gaussian draws, so every alert test sees the same data on every run.
struct AlertTestRandom: RandomNumberGenerator {
    private var source: SplitMix64

    init(seed: UInt64) {
        source = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 {
        source.next()
    }

    mutating func uniform() -> Double {
        source.nextUnit()
    }

    /// A standard normal draw (Box–Muller; the second variate is discarded for simplicity).
    mutating func gaussian() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

private func log(_ x: Double) -> Double {
    // ln x via log2 from the exponent and a series on the mantissa in [1, 2); tests only.
    let exponent = Double(x.exponent)
    let mantissa = x.significand
    let y = (mantissa - 1) / (mantissa + 1)
    var term = y
    var sum = 0.0
    var n = 1.0
    while abs(term) > 1e-18 {
        sum += term / n
        term *= y * y
        n += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}

private func cos(_ x: Double) -> Double {
    var reduced = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if reduced > Double.pi { reduced -= 2 * Double.pi }
    var term = 1.0
    var sum = 1.0
    for n in stride(from: 2, through: 40, by: 2) {
        term *= -reduced * reduced / Double(n * (n - 1))
        sum += term
    }
    return sum
}

@Suite("AdaptiveThreshold")
struct AdaptiveThresholdTests {
    @Test("stationary Gaussian noise alerts at close to the one-sided 3σ rate (0.135 %)")
    func falsePositiveRateNearTheory() throws {
        var detector = try AdaptiveThreshold()
        var random = AlertTestRandom(seed: 11)
        var anomalies = 0
        var judged = 0
        for _ in 0..<200_000 {
            let decision = detector.observe(5 + 0.2 * random.gaussian())
            if decision.status != .warmingUp { judged += 1 }
            if decision.isAnomalous { anomalies += 1 }
        }
        let rate = Double(anomalies) / Double(judged)
        #expect(rate > 0.0008 && rate < 0.0025, "false-positive rate \(rate)")
        #expect(abs(detector.mean - 5) < 0.02)
        #expect(abs(detector.standardDeviation - 0.2) < 0.02)
    }

    @Test("injected spikes are all caught, and they do not inflate σ")
    func catchesSpikes() throws {
        var detector = try AdaptiveThreshold()
        var random = AlertTestRandom(seed: 12)
        var caught = 0
        var spikes = 0
        for index in 0..<50_000 {
            var score = 1 + 0.1 * random.gaussian()
            let isSpike = index > 1_000 && index % 500 == 0
            if isSpike {
                score += 1.0 + 4 * random.uniform()  // 10σ to 50σ
                spikes += 1
            }
            let decision = detector.observe(score)
            if isSpike, decision.isAnomalous { caught += 1 }
        }
        #expect(caught == spikes)
        #expect(detector.standardDeviation < 0.115, "σ \(detector.standardDeviation) inflated by spikes")
        #expect(detector.anomalyCount >= spikes)
    }

    @Test("nothing is anomalous during warm-up, not even a huge spike")
    func warmUpSuppression() throws {
        var detector = try AdaptiveThreshold(configuration: .init(warmUpObservations: 50))
        var random = AlertTestRandom(seed: 13)
        for index in 0..<50 {
            let score = index == 30 ? 1_000 : random.gaussian()
            let decision = detector.observe(score)
            #expect(decision.status == .warmingUp)
            #expect(!decision.isAnomalous)
        }
        let afterWarmUp = detector.observe(10_000)
        #expect(afterWarmUp.isAnomalous)
        #expect(afterWarmUp.observationCount == 50)
    }

    @Test("the first observations give exactly Welford's mean and population variance")
    func welfordStart() throws {
        var detector = try AdaptiveThreshold(configuration: .init(halfLife: 500))
        var random = AlertTestRandom(seed: 14)
        var values: [Double] = []
        for _ in 0..<300 {
            let value = 1e6 + random.gaussian()
            values.append(value)
            _ = detector.observe(value)
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(detector.mean - mean) < 1e-9)
        #expect(abs(detector.standardDeviation * detector.standardDeviation - variance) < 1e-6 * variance)
    }

    @Test("after a level shift the detector alerts, then adopts the new level")
    func adaptsToLevelShift() throws {
        var detector = try AdaptiveThreshold(configuration: .init(halfLife: 200))
        var random = AlertTestRandom(seed: 15)
        for _ in 0..<5_000 { _ = detector.observe(random.gaussian()) }
        let firstShifted = detector.observe(10 + random.gaussian())
        #expect(firstShifted.isAnomalous)
        for _ in 0..<1_000 { _ = detector.observe(10 + random.gaussian()) }
        var lateAnomalies = 0
        for _ in 0..<2_000 where detector.observe(10 + random.gaussian()).isAnomalous { lateAnomalies += 1 }
        #expect(abs(detector.mean - 10) < 0.5, "mean \(detector.mean)")
        #expect(lateAnomalies < 20, "\(lateAnomalies) alerts long after the shift")
    }

    @Test("a constant series that shifts level alerts once, then adapts instead of alerting forever")
    func constantSeriesShift() throws {
        var detector = try AdaptiveThreshold(configuration: .init(warmUpObservations: 0, halfLife: 50))
        #expect(detector.observe(3).status == .warmingUp, "the very first score has no baseline")
        for _ in 0..<200 { #expect(!detector.observe(3).isAnomalous) }
        #expect(detector.observe(4).isAnomalous)
        var earlyAlerts = 0
        for _ in 0..<200 where detector.observe(4).isAnomalous { earlyAlerts += 1 }
        var lateAlerts = 0
        for _ in 0..<300 where detector.observe(4).isAnomalous { lateAlerts += 1 }
        #expect(earlyAlerts < 50, "\(earlyAlerts) alerts while adapting, expected under a half-life's worth")
        #expect(lateAlerts == 0)
        #expect(abs(detector.mean - 4) < 0.01)
    }

    @Test("the lower tail flags drops, not rises")
    func lowerTail() throws {
        var detector = try AdaptiveThreshold(configuration: .init(tail: .lower))
        var random = AlertTestRandom(seed: 16)
        for _ in 0..<1_000 { _ = detector.observe(0.5 + 0.05 * random.gaussian()) }
        #expect(!detector.observe(1.5).isAnomalous)
        let drop = detector.observe(-0.4)
        #expect(drop.isAnomalous)
        #expect(drop.threshold < drop.mean)
        #expect(drop.deviations(of: -0.4) < -3)
    }

    @Test("non-finite scores are reported, never anomalous and never folded in")
    func nonFiniteScores() throws {
        var withGarbage = try AdaptiveThreshold()
        var clean = try AdaptiveThreshold()
        var random = AlertTestRandom(seed: 17)
        for index in 0..<500 {
            let score = random.gaussian()
            if index % 50 == 7 {
                for garbage in [Double.nan, .infinity, -.infinity] {
                    let decision = withGarbage.observe(garbage)
                    #expect(decision.status == .nonFiniteScore)
                    #expect(!decision.isAnomalous)
                }
            }
            #expect(withGarbage.observe(score) == clean.observe(score))
        }
        #expect(withGarbage.nonFiniteCount == 30)
        #expect(withGarbage.observationCount == clean.observationCount)
    }

    @Test("invalid configurations are refused with a reason")
    func invalidConfiguration() {
        #expect(throws: AlertConfigurationError.self) { try AdaptiveThreshold(configuration: .init(k: 0)) }
        #expect(throws: AlertConfigurationError.self) { try AdaptiveThreshold(configuration: .init(halfLife: .nan)) }
        #expect(throws: AlertConfigurationError.self) { try AdaptiveThreshold(configuration: .init(warmUpObservations: -1)) }
    }

    @Test("a restored detector continues exactly like the original")
    func snapshotRoundTrip() throws {
        var original = try AdaptiveThreshold(configuration: .init(k: 2.5, warmUpObservations: 20, halfLife: 100, tail: .upper))
        var random = AlertTestRandom(seed: 18)
        for index in 0..<3_000 { _ = original.observe(index % 97 == 0 ? 9 : random.gaussian()) }
        var restored = try AdaptiveThreshold(snapshot: original.snapshot())
        #expect(restored == original)
        for index in 0..<3_000 {
            let score = index % 89 == 0 ? 12 : random.gaussian()
            #expect(restored.observe(score) == original.observe(score))
        }
        #expect(restored.snapshot() == original.snapshot())
    }

    @Test("bad snapshot bytes become errors that say why")
    func badSnapshots() throws {
        var detector = try AdaptiveThreshold()
        for value in [1.0, 2, 3] { _ = detector.observe(value) }
        let good = detector.snapshot()

        var wrongVersion = good
        wrongVersion[4] = 99
        let versionError = #expect(throws: StateRestoreError.self) { try AdaptiveThreshold(snapshot: wrongVersion) }
        #expect(versionError?.reason.contains("version 99") == true)

        for length in 0..<good.count {
            #expect(throws: StateRestoreError.self) { try AdaptiveThreshold(snapshot: Array(good.prefix(length))) }
        }
        #expect(throws: StateRestoreError.self) { try AdaptiveThreshold(snapshot: good + [0]) }

        var negativeVariance = good
        let varianceOffset = good.count - 24
        withUnsafeBytes(of: (-1.0).bitPattern.littleEndian) { negativeVariance.replaceSubrange(varianceOffset..<varianceOffset + 8, with: $0) }
        #expect(throws: StateRestoreError.self) { try AdaptiveThreshold(snapshot: negativeVariance) }

        var random = AlertTestRandom(seed: 19)
        for _ in 0..<200 {
            var noisy = good
            noisy[Int(random.next() % UInt64(good.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            _ = try? AdaptiveThreshold(snapshot: noisy)  // must not crash, whatever it decides
        }
    }
}

@Suite("KeyedAdaptiveThresholds")
struct KeyedAdaptiveThresholdsTests {
    @Test("each key has its own baseline")
    func keysAreIndependent() throws {
        var keyed = try KeyedAdaptiveThresholds<String>(configuration: .init(warmUpObservations: 20))
        var random = AlertTestRandom(seed: 21)
        for _ in 0..<2_000 {
            _ = keyed.observe(1 + 0.1 * random.gaussian(), for: "books")
            _ = keyed.observe(100 + 10 * random.gaussian(), for: "toys")
        }
        // 5 is a 40σ spike for books and a 9σ dip (not a spike) for toys.
        #expect(keyed.observe(5, for: "books").isAnomalous)
        #expect(!keyed.observe(5, for: "toys").isAnomalous)
        #expect(keyed.keyCount == 2)
        #expect(abs((keyed.threshold(for: "toys")?.mean ?? 0) - 100) < 2)
    }

    @Test("the least recently seen key is evicted and counted")
    func evictsLeastRecentlySeen() throws {
        var keyed = try KeyedAdaptiveThresholds<Int>(maximumKeys: 2)
        _ = keyed.observe(1, for: 1)
        _ = keyed.observe(1, for: 2)
        _ = keyed.observe(1, for: 1)  // 2 is now the least recently seen
        _ = keyed.observe(1, for: 3)
        #expect(keyed.keyCount == 2)
        #expect(keyed.evictedKeyCount == 1)
        #expect(keyed.threshold(for: 2) == nil)
        #expect(keyed.threshold(for: 1)?.observationCount == 2)
        #expect(keyed.threshold(for: 3)?.observationCount == 1)
    }

    @Test("a restored container continues identically, evictions included")
    func snapshotRoundTrip() throws {
        var original = try KeyedAdaptiveThresholds<String>(configuration: .init(warmUpObservations: 10), maximumKeys: 8)
        var random = AlertTestRandom(seed: 22)
        let keys = (0..<12).map { "category-\($0)" }
        for _ in 0..<2_000 {
            let key = keys[Int(random.next() % 12)]
            _ = original.observe(random.gaussian() + (random.next() % 100 == 0 ? 8 : 0), for: key)
        }
        var restored = try KeyedAdaptiveThresholds<String>(snapshot: original.snapshot())
        #expect(restored.snapshot() == original.snapshot())
        for _ in 0..<2_000 {
            let key = keys[Int(random.next() % 12)]
            let score = random.gaussian() + (random.next() % 100 == 0 ? 8 : 0)
            #expect(restored.observe(score, for: key) == original.observe(score, for: key))
        }
        #expect(restored.evictedKeyCount == original.evictedKeyCount)
        #expect(restored.snapshot() == original.snapshot())
    }

    @Test("bad keyed snapshots become errors")
    func badSnapshots() throws {
        var keyed = try KeyedAdaptiveThresholds<String>()
        _ = keyed.observe(1, for: "a")
        _ = keyed.observe(2, for: "b")
        let good = keyed.snapshot()
        for length in 0..<good.count {
            #expect(throws: StateRestoreError.self) { try KeyedAdaptiveThresholds<String>(snapshot: Array(good.prefix(length))) }
        }
        // A single threshold's snapshot is not a keyed one.
        #expect(throws: StateRestoreError.self) { try KeyedAdaptiveThresholds<String>(snapshot: try AdaptiveThreshold().snapshot()) }
        // Keys that are not UTF-8 are refused by the String key.
        #expect(throws: StateRestoreError.self) { try String(snapshotBytes: [0xFF, 0xFE]) }
    }
}
