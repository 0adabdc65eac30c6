import Testing
@testable import EddySketches

@Suite("AlertCooldown")
struct AlertCooldownTests {
    /// Replays `(isAnomalous, eventTime)` records and collects what would be sent.
    private func sentAlerts(_ gate: inout AlertCooldown, _ records: [(Bool, Int64)]) -> (raises: Int, followUps: [AlertFollowUp]) {
        var raises = 0
        var followUps: [AlertFollowUp] = []
        for (isAnomalous, time) in records {
            let decision = gate.observe(isAnomalous: isAnomalous, at: time)
            if let followUp = decision.followUp { followUps.append(followUp) }
            if decision.raisesAlert { raises += 1 }
        }
        return (raises, followUps)
    }

    @Test("a burst gives exactly one raise and one follow-up carrying the suppressed count")
    func burst() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 60_000)
        #expect(gate.observe(isAnomalous: true, at: 1_000) == .raise)
        for time in stride(from: Int64(2_000), through: 30_000, by: 1_000) {
            #expect(gate.observe(isAnomalous: true, at: time) == .suppress)
            #expect(gate.observe(isAnomalous: false, at: time + 500) == .quiet)
        }
        #expect(gate.pendingSuppressedCount == 29)
        let after = gate.observe(isAnomalous: false, at: 61_000)
        let expected = AlertFollowUp(suppressedCount: 29, burstStartedAt: 1_000, cooldownEndedAt: 61_000, lastSuppressedAt: 30_000)
        #expect(after == .followUp(expected))
        #expect(!gate.isCoolingDown)
        #expect(gate.observe(isAnomalous: false, at: 62_000) == .quiet)
        #expect(gate.advance(to: 500_000) == nil)
    }

    @Test("a lone anomaly gives one alert and no follow-up")
    func loneAnomaly() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 10_000)
        var random = AlertTestRandom(seed: 31)
        var records: [(Bool, Int64)] = [(true, 5_000)]
        for index in 1...200 { records.append((false, 5_000 + Int64(index) * 100 + Int64(random.next() % 50))) }
        let sent = sentAlerts(&gate, records)
        #expect(sent.raises == 1)
        #expect(sent.followUps.isEmpty)
        #expect(gate.advance(to: 1_000_000) == nil)
    }

    @Test("the watermark ends a cool-down when the key itself goes quiet")
    func advanceOnWatermark() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 5_000)
        _ = gate.observe(isAnomalous: true, at: 0)
        _ = gate.observe(isAnomalous: true, at: 100)
        _ = gate.observe(isAnomalous: true, at: 4_999)
        #expect(gate.advance(to: 4_999) == nil)
        #expect(gate.isCoolingDown)
        let followUp = gate.advance(to: 5_000)
        #expect(followUp == AlertFollowUp(suppressedCount: 2, burstStartedAt: 0, cooldownEndedAt: 5_000, lastSuppressedAt: 4_999))
        #expect(gate.advance(to: 6_000) == nil)
        #expect(gate.observe(isAnomalous: true, at: 7_000) == .raise)
    }

    @Test("an anomaly right after the cool-down sends the follow-up and then a new raise")
    func followUpThenRaise() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 1_000)
        _ = gate.observe(isAnomalous: true, at: 0)
        _ = gate.observe(isAnomalous: true, at: 500)
        let decision = gate.observe(isAnomalous: true, at: 1_000)
        #expect(decision == .followUpThenRaise(AlertFollowUp(suppressedCount: 1, burstStartedAt: 0, cooldownEndedAt: 1_000, lastSuppressedAt: 500)))
        #expect(decision.raisesAlert)
        #expect(gate.isCoolingDown)
    }

    @Test("a persisting problem reminds once per cool-down period, not per record")
    func persistingProblem() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 60_000)
        let records = (0..<600).map { (true, Int64($0) * 1_000) }  // ten minutes, one anomaly a second
        let sent = sentAlerts(&gate, records)
        #expect(sent.raises == 10)
        #expect(sent.followUps.count == 9)
        #expect(sent.followUps.allSatisfy { $0.suppressedCount == 59 })
    }

    @Test("out-of-order anomalies inside the cool-down are counted, not raised")
    func outOfOrder() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 10_000)
        _ = gate.observe(isAnomalous: true, at: 50_000)
        #expect(gate.observe(isAnomalous: true, at: 45_000) == .suppress)
        #expect(gate.observe(isAnomalous: true, at: 52_000) == .suppress)
        #expect(gate.advance(to: 60_000)?.lastSuppressedAt == 52_000)
    }

    @Test("a cool-down that would overflow event time ends at Int64.max")
    func overflow() throws {
        var gate = try AlertCooldown(cooldownMilliseconds: 10_000)
        #expect(gate.observe(isAnomalous: true, at: Int64.max - 5) == .raise)
        #expect(gate.observe(isAnomalous: true, at: Int64.max - 1) == .suppress)
        #expect(gate.advance(to: Int64.max)?.cooldownEndedAt == Int64.max)
    }

    @Test("a non-positive cool-down is refused")
    func invalidConfiguration() {
        #expect(throws: AlertConfigurationError.self) { try AlertCooldown(cooldownMilliseconds: 0) }
        #expect(throws: AlertConfigurationError.self) { try KeyedAlertCooldowns<String>(cooldownMilliseconds: 1_000, maximumKeys: 0) }
    }

    @Test("a restored gate continues identically; bad bytes are errors")
    func snapshots() throws {
        var original = try AlertCooldown(cooldownMilliseconds: 3_000)
        var random = AlertTestRandom(seed: 32)
        var time: Int64 = 0
        for _ in 0..<500 {
            time += Int64(random.next() % 400)
            _ = original.observe(isAnomalous: random.next() % 5 == 0, at: time)
        }
        var restored = try AlertCooldown(snapshot: original.snapshot())
        #expect(restored == original)
        for _ in 0..<500 {
            time += Int64(random.next() % 400)
            let isAnomalous = random.next() % 5 == 0
            #expect(restored.observe(isAnomalous: isAnomalous, at: time) == original.observe(isAnomalous: isAnomalous, at: time))
        }
        let good = original.snapshot()
        for length in 0..<good.count {
            #expect(throws: StateRestoreError.self) { try AlertCooldown(snapshot: Array(good.prefix(length))) }
        }
        var wrongVersion = good
        wrongVersion[4] = 2
        let error = #expect(throws: StateRestoreError.self) { try AlertCooldown(snapshot: wrongVersion) }
        #expect(error?.reason.contains("version 2") == true)
        var badFlag = good
        badFlag[13] = 7
        #expect(throws: StateRestoreError.self) { try AlertCooldown(snapshot: badFlag) }
    }
}

@Suite("KeyedAlertCooldowns")
struct KeyedAlertCooldownsTests {
    @Test("keys burst independently")
    func independentKeys() throws {
        var gates = try KeyedAlertCooldowns<String>(cooldownMilliseconds: 10_000)
        #expect(gates.observe(isAnomalous: true, for: "books", at: 0) == .raise)
        #expect(gates.observe(isAnomalous: true, for: "toys", at: 1_000) == .raise)
        #expect(gates.observe(isAnomalous: true, for: "books", at: 2_000) == .suppress)
        #expect(gates.observe(isAnomalous: true, for: "books", at: 3_000) == .suppress)
        #expect(gates.observe(isAnomalous: false, for: "garden", at: 3_000) == .quiet)
        #expect(gates.keyCount == 2, "quiet keys get no state")
        #expect(gates.pendingSuppressedCount(for: "books") == 2)
        #expect(gates.pendingSuppressedCount(for: "toys") == 0)

        var emitted: [(String, AlertFollowUp)] = []
        gates.advance(to: 10_500) { emitted.append(($0, $1)) }
        #expect(emitted.count == 1)
        #expect(emitted.first?.0 == "books")
        #expect(emitted.first?.1.suppressedCount == 2)
        // toys' cool-down ends at 11 000 with nothing suppressed: no follow-up, ever.
        gates.advance(to: 20_000) { emitted.append(($0, $1)) }
        #expect(emitted.count == 1)
        #expect(gates.observe(isAnomalous: true, for: "toys", at: 20_000) == .raise)
    }

    @Test("many keys: every burst yields one raise and one follow-up with its own count")
    func manyKeys() throws {
        var gates = try KeyedAlertCooldowns<Int>(cooldownMilliseconds: 60_000)
        var random = AlertTestRandom(seed: 33)
        var expectedSuppressed = [Int](repeating: 0, count: 50)
        var raises = [Int](repeating: 0, count: 50)
        for time in stride(from: Int64(0), to: 50_000, by: 10) {
            let key = Int(random.next() % 50)
            let isAnomalous = key % 2 == 0
            let decision = gates.observe(isAnomalous: isAnomalous, for: key, at: time)
            if decision == .raise { raises[key] += 1 }
            if decision == .suppress { expectedSuppressed[key] += 1 }
        }
        var followUps = [Int](repeating: 0, count: 50)
        gates.advance(to: 200_000) { key, followUp in followUps[key] += followUp.suppressedCount }
        for key in 0..<50 {
            #expect(raises[key] == (key % 2 == 0 ? 1 : 0))
            #expect(followUps[key] == expectedSuppressed[key])
        }
    }

    @Test("evicting a key with suppressed anomalies counts the lost follow-up")
    func evictionIsCounted() throws {
        var gates = try KeyedAlertCooldowns<String>(cooldownMilliseconds: 10_000, maximumKeys: 2)
        _ = gates.observe(isAnomalous: true, for: "a", at: 0)
        _ = gates.observe(isAnomalous: true, for: "a", at: 1)
        _ = gates.observe(isAnomalous: true, for: "a", at: 2)
        _ = gates.observe(isAnomalous: true, for: "b", at: 3)
        _ = gates.observe(isAnomalous: true, for: "c", at: 4)
        #expect(gates.evictedKeyCount == 1)
        #expect(gates.lostFollowUpCount == 1)
        #expect(gates.lostSuppressedCount == 2)
    }

    @Test("a restored keyed gate continues identically; bad bytes are errors")
    func snapshots() throws {
        var original = try KeyedAlertCooldowns<String>(cooldownMilliseconds: 2_000, maximumKeys: 6)
        var random = AlertTestRandom(seed: 34)
        var time: Int64 = 0
        var originalLog: [String] = []
        func step(_ gates: inout KeyedAlertCooldowns<String>, _ key: String, _ isAnomalous: Bool, _ time: Int64, _ log: inout [String]) {
            log.append("\(key) \(gates.observe(isAnomalous: isAnomalous, for: key, at: time))")
            if time % 7 == 0 { gates.advance(to: time - 500) { log.append("advance \($0) \($1)") } }
        }
        for _ in 0..<1_000 {
            time += Int64(random.next() % 100)
            step(&original, "k\(random.next() % 8)", random.next() % 3 == 0, time, &originalLog)
        }
        var restored = try KeyedAlertCooldowns<String>(snapshot: original.snapshot())
        #expect(restored.snapshot() == original.snapshot())
        var restoredLog: [String] = []
        originalLog.removeAll()
        for _ in 0..<1_000 {
            time += Int64(random.next() % 100)
            let key = "k\(random.next() % 8)"
            let isAnomalous = random.next() % 3 == 0
            step(&original, key, isAnomalous, time, &originalLog)
            step(&restored, key, isAnomalous, time, &restoredLog)
        }
        #expect(restoredLog == originalLog)
        #expect(restored.evictedKeyCount == original.evictedKeyCount)
        #expect(restored.lostSuppressedCount == original.lostSuppressedCount)

        let good = original.snapshot()
        for length in stride(from: 0, to: good.count, by: 3) {
            #expect(throws: StateRestoreError.self) { try KeyedAlertCooldowns<String>(snapshot: Array(good.prefix(length))) }
        }
        #expect(throws: StateRestoreError.self) { try KeyedAlertCooldowns<String>(snapshot: try AlertCooldown(cooldownMilliseconds: 5).snapshot()) }
    }
}
