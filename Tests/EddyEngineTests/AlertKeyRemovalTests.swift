import EddySketches
import Testing

/// Removing idle keys from the keyed alert structures (issue 6, bounded state): a removed key's
/// slot is reused, its recency is forgotten, a running cool-down is never removed, and snapshots
/// after removals restore to the same state.
@Suite struct AlertKeyRemovalTests {
    @Test func aRemovedThresholdKeyStartsAFreshWarmUpAndFreesItsSlot() throws {
        var thresholds = try KeyedAdaptiveThresholds<String>(
            configuration: AdaptiveThresholdConfiguration(k: 3, warmUpObservations: 3, minimumStandardDeviation: 1), maximumKeys: 2)
        for _ in 0..<5 { _ = thresholds.observe(10, for: "a"); _ = thresholds.observe(10, for: "b") }
        let spike = thresholds.observe(100, for: "a")
        #expect(spike.isAnomalous)
        #expect(thresholds.isFull)
        let removed = thresholds.remove("a"), removedAgain = thresholds.remove("a")
        #expect(removed && !removedAgain)
        #expect(thresholds.keyCount == 1 && !thresholds.isFull)
        // A new key takes the freed slot without evicting b.
        _ = thresholds.observe(10, for: "c")
        #expect(thresholds.evictedKeyCount == 0)
        #expect(thresholds.contains("b") && thresholds.contains("c") && !thresholds.contains("a"))
        // a is back in warm-up: a spike is not judged.
        _ = thresholds.observe(10, for: "b")
        let warmingUp = thresholds.observe(1000, for: "a")
        #expect(!warmingUp.isAnomalous)
        #expect(thresholds.evictedKeyCount == 1, "a's return needed room: c was the least recently seen")
        #expect(!thresholds.contains("c"))
        let restored = try KeyedAdaptiveThresholds<String>(snapshot: thresholds.snapshot())
        #expect(restored.snapshot() == thresholds.snapshot())
    }

    @Test func aCoolingKeyIsNotRemovedAndItsFollowUpComes() throws {
        var cooldowns = try KeyedAlertCooldowns<String>(cooldownMilliseconds: 1000, maximumKeys: 4)
        let first = cooldowns.observe(isAnomalous: true, for: "a", at: 0), second = cooldowns.observe(isAnomalous: true, for: "a", at: 100)
        #expect(first.raisesAlert && !second.raisesAlert)
        #expect(cooldowns.isCoolingDown("a"))
        let removedWhileCooling = cooldowns.remove("a")
        #expect(!removedWhileCooling, "refused while the cool-down runs")
        var followUps: [(String, AlertFollowUp)] = []
        cooldowns.advance(to: 1000) { followUps.append(($0, $1)) }
        #expect(followUps.map(\.0) == ["a"])
        #expect(followUps.first?.1.suppressedCount == 1)
        #expect(!cooldowns.isCoolingDown("a"))
        let removedAfter = cooldowns.remove("a")
        #expect(removedAfter)
        #expect(cooldowns.keyCount == 0 && !cooldowns.contains("a"))
        #expect(cooldowns.lostFollowUpCount == 0)
        let restored = try KeyedAlertCooldowns<String>(snapshot: cooldowns.snapshot())
        #expect(restored.snapshot() == cooldowns.snapshot())
    }
}
