@testable import EddyEngine
import EddyCore
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// Issue 6, "state size is bounded": keyed state of stagger windows, sliding windows, per-key forests
/// and alerts does not grow with the number of distinct keys ever seen. Exact eviction gives the
/// results of an independent model that never forgets a key; idle-key retention forgets a key only
/// once it has been idle for longer than the retention.
@Suite struct StateBoundTests {
    /// One input row: key, value, text, rowtime.
    struct Row { var k: String; var v: Int; var s: String; var t: Int64 }

    static let lateness: Int64 = 2000

    static func source(retention: String? = nil) -> String {
        let option = retention.map { ", 'state_retention' = '\($0)'" } ?? ""
        return """
        CREATE STREAM "IN" ("k" VARCHAR(16), "v" INTEGER, "s" VARCHAR(16), "t" BIGINT)
          WITH ('topic' = 'in', 'rowtime' = 't', 'lateness' = '2 SECONDS'\(option));

        """
    }

    /// A seeded stream: mostly a few recurring keys, the rest new keys, time rising 100 ms a row
    /// with ±1.5 s of jitter (so some rows are out of order and some late).
    static func mixedRows(count: Int, seed: UInt64) -> [Row] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let recurring = random.nextUnit() < 0.7
            let k = recurring ? "r\(random.int(20))" : "n\(i)"
            let t = 1_000_000 + Int64(i) * 100 + Int64(random.int(3000)) - 1500
            return Row(k: k, v: random.int(100), s: "s\(random.int(50))", t: t)
        }
    }

    /// Ever-new keys, one row each, time rising 100 ms a row.
    static func newKeys(count: Int, from start: Int = 0) -> [Row] {
        (start..<(start + count)).map { i in Row(k: "k\(i)", v: i % 7, s: "s\(i % 13)", t: 1_000_000 + Int64(i) * 100) }
    }

    static func feed(_ engine: Engine, _ rows: [Row], offset: Int64 = 0) {
        let source = engine.sourceIndex(named: "IN")!
        for (i, row) in rows.enumerated() {
            let text = #"{"k":"\#(row.k)","v":\#(row.v),"s":"\#(row.s)","t":\#(row.t)}"#
            Array(text.utf8).withUnsafeBytes {
                engine.process(source: source, partition: 0, offset: offset + Int64(i), timestamp: 0, value: $0, origin: RecordOrigin(topic: "in"))
            }
        }
    }

    static func engine(_ sql: String) throws -> Engine {
        try Engine(topology: try Analyzer.analyze(text: sql, name: "bound"), captureAllStreams: true)
    }

    /// Output rows of a stream as (rowtime, key, JSON object), then forgets them.
    static func drain(_ engine: Engine, _ stream: String) throws -> [(rowtime: Int64, key: String?, value: [String: Any])] {
        let output = try #require(engine.output(named: stream))
        defer { output.removeAll() }
        return try output.rows().map { row in
            let object = try JSONSerialization.jsonObject(with: Data(row.value.utf8)) as? [String: Any]
            return (row.rowtime, row.key, try #require(object))
        }
    }

    static func op<T>(_ engine: Engine, _ type: T.Type) throws -> T {
        try #require(engine.orderedOperators.lazy.compactMap { $0 as? T }.first)
    }

    // MARK: stagger

    static let staggerSQL = """
    CREATE STREAM OUT (k VARCHAR(16), we TIMESTAMP, n BIGINT, total BIGINT, lo VARCHAR(16), d BIGINT);
    CREATE PUMP P AS INSERT INTO OUT
      SELECT STREAM "k", ROWTIME, COUNT(*), SUM("v"), MIN("s"), APPROX_COUNT_DISTINCT("s")
      FROM "IN" WINDOWED BY STAGGER (PARTITION BY "k" RANGE INTERVAL '5' SECOND);
    """

    /// Stagger windows as specified, with no eviction: (window end, key, count, sum, min, distinct).
    static func staggerModel(_ rows: [Row], range: Int64) -> [String] {
        struct Window { var start: Int64; var n = 0; var total = 0; var lo: String?; var distinct: Set<String> = [] }
        var open: [String: Window] = [:]
        var out: [String] = []
        var watermark = Int64.min, highest = Int64.min
        func emit(_ k: String, _ w: Window) { out.append("\(w.start + range)|\(k)|\(w.n)|\(w.total)|\(w.lo ?? "-")|\(w.distinct.count)") }
        func fire(through mark: Int64) {
            let due = open.filter { $0.value.start + range <= mark }.sorted { ($0.value.start, $0.key) < ($1.value.start, $1.key) }
            for (k, w) in due { emit(k, w); open[k] = nil }
        }
        for row in rows {
            if row.t < watermark { continue }
            if let w = open[row.k], row.t >= w.start + range { emit(row.k, w); open[row.k] = nil }
            var w = open[row.k] ?? Window(start: row.t)
            w.n += 1; w.total += row.v; w.lo = min(w.lo ?? row.s, row.s); w.distinct.insert(row.s)
            open[row.k] = w
            highest = max(highest, row.t)
            if highest - lateness > watermark { watermark = highest - lateness; fire(through: watermark) }
        }
        fire(through: .max)
        return out
    }

    static func staggerRows(_ engine: Engine) throws -> [String] {
        try drain(engine, "OUT").map { row in
            let v = row.value
            return "\(row.rowtime)|\(v["K"]!)|\(v["N"]!)|\(v["TOTAL"]!)|\(v["LO"]!)|\(v["D"]!)"
        }
    }

    @Test func staggerDropsKeysWhenTheirWindowFiresAndGivesTheModelsResults() throws {
        let rows = Self.mixedRows(count: 4000, seed: 7)
        let engine = try Self.engine(Self.source() + Self.staggerSQL)
        Self.feed(engine, rows)
        let stagger = try Self.op(engine, StaggerOperator.self)
        #expect(stagger.table.liveCount < 150, "only keys with an open window are held")
        #expect(stagger.evictedKeys > 1000)
        engine.finish()
        #expect(try Self.staggerRows(engine) == Self.staggerModel(rows, range: 5000))
    }

    @Test func staggerStateStaysBoundedUnderEverNewKeys() throws {
        let engine = try Self.engine(Self.source() + Self.staggerSQL)
        Self.feed(engine, Self.newKeys(count: 5000))
        let early = engine.stateSizeEstimate
        Self.feed(engine, Self.newKeys(count: 45000, from: 5000), offset: 5000)
        let stagger = try Self.op(engine, StaggerOperator.self)
        #expect(stagger.table.count < 400, "dead groups are compacted away")
        #expect(stagger.table.liveCount <= 71)
        #expect(engine.stateSizeEstimate <= early * 2, "state bytes \(engine.stateSizeEstimate) after 50,000 keys, \(early) after 5,000")
        #expect(engine.evictedStateKeys >= 49_900)
    }

    // MARK: sliding windows

    static let rangeSQL = """
    CREATE STREAM OUT (k VARCHAR(16), n BIGINT, total BIGINT, lo VARCHAR(16));
    CREATE PUMP P AS INSERT INTO OUT
      SELECT STREAM "k", COUNT(*) OVER w, SUM("v") OVER w, MIN("s") OVER w
      FROM "IN" WINDOW w AS (PARTITION BY "k" RANGE INTERVAL '3' SECOND PRECEDING);
    """

    /// RANGE frames as the operator defines them, never forgetting a key: a key's rows in arrival
    /// order, leading rows older than the current row's range dropped.
    static func rangeModel(_ rows: [Row], range: Int64) -> [String] {
        var kept: [String: [Row]] = [:]
        var out: [String] = []
        var watermark = Int64.min, highest = Int64.min
        for row in rows {
            if row.t < watermark { continue }
            var window = kept[row.k, default: []] + [row]
            while window[0].t < row.t - range { window.removeFirst() }
            kept[row.k] = window
            out.append("\(row.k)|\(window.count)|\(window.reduce(0) { $0 + $1.v })|\(window.map(\.s).min()!)")
            highest = max(highest, row.t)
            watermark = max(watermark, highest - lateness)
        }
        return out
    }

    @Test func rangeFramesTrimOnWatermarksAndGiveTheModelsResults() throws {
        let rows = Self.mixedRows(count: 4000, seed: 11)
        let engine = try Self.engine(Self.source(retention: "never") + Self.rangeSQL)
        Self.feed(engine, rows)
        let sliding = try Self.op(engine, SlidingOperator.self)
        #expect(sliding.table.liveCount < 200, "keys whose rows are all out of range are dropped, retention 'never' notwithstanding")
        let actual = try Self.drain(engine, "OUT").map { "\($0.value["K"]!)|\($0.value["N"]!)|\($0.value["TOTAL"]!)|\($0.value["LO"]!)" }
        #expect(actual == Self.rangeModel(rows, range: 3000))
    }

    @Test func rangeFrameStateStaysBoundedUnderEverNewKeys() throws {
        let engine = try Self.engine(Self.source() + Self.rangeSQL)
        Self.feed(engine, Self.newKeys(count: 5000))
        let early = engine.stateSizeEstimate
        Self.feed(engine, Self.newKeys(count: 45000, from: 5000), offset: 5000)
        let sliding = try Self.op(engine, SlidingOperator.self)
        #expect(sliding.table.count < 600)
        #expect(sliding.partitions.count == sliding.table.count)
        #expect(engine.stateSizeEstimate <= early * 2, "state bytes \(engine.stateSizeEstimate) after 50,000 keys, \(early) after 5,000")
        #expect(engine.evictedStateKeys > 49_000)
    }

    static let lagSQL = """
    CREATE STREAM OUT (k VARCHAR(16), prev INTEGER, n BIGINT);
    CREATE PUMP P AS INSERT INTO OUT
      SELECT STREAM "k", LAG("v", 1) OVER w, COUNT(*) OVER w
      FROM "IN" WINDOW w AS (PARTITION BY "k" ROWS 3 PRECEDING);
    """

    @Test func rowsAndLagForgetAKeyOnlyAfterTheRetention() throws {
        let engine = try Self.engine(Self.source(retention: "10 SECONDS") + Self.lagSQL)
        // Key a at 0 s; key b moves the watermark (max rowtime − 2 s lateness) to exactly 10 s later.
        Self.feed(engine, [Row(k: "a", v: 1, s: "", t: 0), Row(k: "b", v: 0, s: "", t: 12_000), Row(k: "a", v: 2, s: "", t: 12_000)])
        var rows = try Self.drain(engine, "OUT").filter { $0.value["K"] as? String == "a" }
        #expect(rows.last?.value["PREV"] as? Int == 1, "idle exactly the retention: kept")
        #expect(rows.last?.value["N"] as? Int == 2)
        // Now a's last row is at 12 s; the watermark moves to 22.001 s: idle 10.001 s, past the retention.
        Self.feed(engine, [Row(k: "b", v: 0, s: "", t: 24_001), Row(k: "a", v: 3, s: "", t: 24_001)], offset: 3)
        rows = try Self.drain(engine, "OUT").filter { $0.value["K"] as? String == "a" }
        #expect(rows.last?.value["PREV"] is NSNull, "forgotten: LAG has no previous row")
        #expect(rows.last?.value["N"] as? Int == 1)
        #expect(engine.evictedStateKeys == 1)
    }

    /// Expiry is exact even when no scan has freed the key yet (scans run only once the watermark
    /// is an eighth of the retention past the oldest key).
    @Test func aKeyIdleJustPastTheRetentionIsForgottenBeforeAnyScan() throws {
        let engine = try Self.engine(Self.source(retention: "80 SECONDS") + Self.lagSQL)
        // The watermark reaches 80.001 s: a (last row at 0) is idle 1 ms past the retention.
        Self.feed(engine, [Row(k: "a", v: 1, s: "", t: 0), Row(k: "b", v: 0, s: "", t: 0), Row(k: "b", v: 0, s: "", t: 82_001)])
        #expect(try Self.op(engine, SlidingOperator.self).table.liveCount == 2, "no scan yet")
        Self.feed(engine, [Row(k: "a", v: 3, s: "", t: 82_001)], offset: 3)
        let rows = try Self.drain(engine, "OUT").filter { $0.value["K"] as? String == "a" }
        #expect(rows.map { $0.value["PREV"] as? Int } == [nil, nil])
        #expect(engine.evictedStateKeys == 1)
    }

    @Test func rowsFramesAreBoundedByTheRetentionAndUnboundedWithNever() throws {
        let bounded = try Self.engine(Self.source(retention: "1 MINUTE") + Self.lagSQL)
        let unbounded = try Self.engine(Self.source(retention: "never") + Self.lagSQL)
        for engine in [bounded, unbounded] { Self.feed(engine, Self.newKeys(count: 20000)) }
        let kept = try Self.op(bounded, SlidingOperator.self).table.liveCount
        #expect(kept <= 720, "about a minute and an eighth of keys at 10 keys/s, and those within lateness")
        #expect(try Self.op(unbounded, SlidingOperator.self).table.liveCount == 20000)
        #expect(unbounded.evictedStateKeys == 0)
        #expect(bounded.stateSizeEstimate * 10 < unbounded.stateSizeEstimate)
    }

    @Test func stateBytesGoDownOnceTheWatermarkPassesIdleKeys() throws {
        let engine = try Self.engine(Self.source(retention: "1 MINUTE") + Self.lagSQL)
        Self.feed(engine, Self.newKeys(count: 3000))
        let before = engine.stateSizeEstimate
        // One key, ten minutes later: every other key has been idle past the retention.
        Self.feed(engine, [Row(k: "late", v: 1, s: "", t: 1_000_000 + 3000 * 100 + 600_000)], offset: 3000)
        #expect(engine.stateSizeEstimate * 20 < before, "\(engine.stateSizeEstimate) bytes after, \(before) before")
        #expect(engine.evictedStateKeys == 3000)
    }

    // MARK: per-key forests

    static let forestSQL = """
    CREATE STREAM SCORED (k VARCHAR(16), score DOUBLE);
    CREATE PUMP P AS INSERT INTO SCORED
      SELECT STREAM "k", ANOMALY_SCORE
      FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "k", "v" FROM "IN"), 5, 16, 1000, 1, 'PARTITION_BY=k'));
    """

    @Test func idleForestsAreFreedSoNewKeysGetForestsPastTheLimit() throws {
        let engine = try Self.engine(Self.source(retention: "1 MINUTE") + Self.forestSQL)
        // 3,000 keys at 10 keys/s: never more than ~700 within a minute, so every key gets a forest.
        Self.feed(engine, Self.newKeys(count: 3000))
        let rows = try Self.drain(engine, "SCORED")
        #expect(rows.count == 3000)
        #expect(rows.allSatisfy { $0.value["SCORE"] is NSNumber }, "no key was refused a forest")
        let forests = try Self.op(engine, RandomCutForestOperator.self)
        #expect(forests.liveForests <= 720)
        #expect(forests.keys.count < 2000)
        #expect(engine.evictedStateKeys >= 2300)
    }

    @Test func withoutRetentionKeysPastTheLimitAreRefusedWithAReason() throws {
        let engine = try Self.engine(Self.source(retention: "never") + Self.forestSQL)
        Self.feed(engine, Self.newKeys(count: 1100))
        let rows = try Self.drain(engine, "SCORED")
        #expect(rows.prefix(1000).allSatisfy { $0.value["SCORE"] is NSNumber })
        #expect(rows.suffix(100).allSatisfy { $0.value["SCORE"] is NSNull })
        #expect(try Self.op(engine, RandomCutForestOperator.self).liveForests == 1000)
    }

    // MARK: alerts

    static let alertSQL = """
    CREATE STREAM ALERTS (kind VARCHAR(32), k VARCHAR(64), type VARCHAR(16), suppressed BIGINT);
    CREATE PUMP P AS INSERT INTO ALERTS
      SELECT STREAM ALERT_KIND, ALERT_KEY, ALERT_TYPE, SUPPRESSED_COUNT
      FROM TABLE(ANOMALY_ALERTS(CURSOR(SELECT STREAM "k", "v" FROM "IN"), 'v', 'k', 3, 60, 'WARM_UP=5, MIN_STDDEV=1'));
    """

    @Test func anAlertKeyIsNotForgottenDuringItsCooldownAndItsFollowUpComes() throws {
        let engine = try Self.engine(Self.source(retention: "5 SECONDS") + Self.alertSQL)
        var rows = (0..<6).map { Row(k: "hot", v: 10, s: "", t: Int64($0) * 100) }
        rows += [Row(k: "hot", v: 1000, s: "", t: 700), Row(k: "hot", v: 1000, s: "", t: 800)]
        // Another key moves the watermark 20 s on: "hot" is idle past the 5 s retention, but its
        // 60 s cool-down (from 0.7 s) is still running.
        rows += [Row(k: "other", v: 10, s: "", t: 22_000)]
        Self.feed(engine, rows)
        var alerts = try Self.drain(engine, "ALERTS")
        #expect(alerts.map { $0.value["TYPE"] as? String } == ["raise"])
        let op = try Self.op(engine, AnomalyAlertsOperator.self)
        #expect(op.keys.values.contains { $0.name == "hot" }, "idle past the retention, but cooling down: kept")
        #expect(op.thresholds.keyCount == 2)
        // The watermark passes the cool-down's end (60.7 s): the follow-up, then the key is forgotten.
        Self.feed(engine, [Row(k: "other", v: 10, s: "", t: 63_000)], offset: Int64(rows.count))
        alerts = try Self.drain(engine, "ALERTS")
        #expect(alerts.map { $0.value["TYPE"] as? String } == ["follow_up"])
        #expect(alerts.first?.value["SUPPRESSED"] as? Int == 1)
        #expect(alerts.first?.value["K"] as? String == "hot")
        Self.feed(engine, [Row(k: "other", v: 10, s: "", t: 80_000)], offset: Int64(rows.count + 1))
        #expect(!op.keys.values.contains { $0.name == "hot" })
        // Back after that: a fresh warm-up, so a spike is not judged yet.
        Self.feed(engine, [Row(k: "hot", v: 5000, s: "", t: 80_000)], offset: Int64(rows.count + 2))
        #expect(try Self.drain(engine, "ALERTS").isEmpty)
        #expect(op.thresholds.keyCount == 2)
    }

    @Test func alertStateStaysBoundedUnderEverNewKeys() throws {
        let engine = try Self.engine(Self.source(retention: "1 MINUTE") + Self.alertSQL)
        Self.feed(engine, Self.newKeys(count: 30000))
        let op = try Self.op(engine, AnomalyAlertsOperator.self)
        #expect(op.keys.count <= 800)
        #expect(op.keys.capacity <= 8192, "the names' table stays small")
        #expect(op.thresholds.keyCount <= 800)
        #expect(engine.evictedStateKeys >= 29000)
    }

    @Test func retentionIsInheritedDownstreamAndDefaultsToADay() throws {
        let topology = try Analyzer.analyze(text: Self.everyKeyedSQL, name: "bound")
        #expect(Engine.stateRetention(of: topology.streamIndex("SCORED")!, in: topology) == 20_000)
        let plain = try Analyzer.analyze(text: Self.everyKeyedSQL.replacingOccurrences(of: ", 'state_retention' = '20 SECONDS'", with: ""), name: "b")
        #expect(Engine.stateRetention(of: plain.streamIndex("SCORED")!, in: plain) == 86_400_000)
        let own = try Analyzer.analyze(text: Self.everyKeyedSQL + "ALTER STREAM SCORED SET ('state_retention' = 'never');", name: "c")
        #expect(Engine.stateRetention(of: own.streamIndex("SCORED")!, in: own) == .max)
        #expect(Engine.stateRetention(of: own.streamIndex("IN")!, in: own) == 20_000)
    }

    // MARK: snapshots

    static let everyKeyedSQL = source(retention: "20 SECONDS") + """
    CREATE STREAM SESSIONS (k VARCHAR(16), n BIGINT, lo VARCHAR(16), d BIGINT);
    CREATE PUMP SESSIONS_PUMP AS INSERT INTO SESSIONS
      SELECT STREAM "k", COUNT(*), MIN("s"), APPROX_COUNT_DISTINCT("s")
      FROM "IN" WINDOWED BY STAGGER (PARTITION BY "k" RANGE INTERVAL '5' SECOND);
    CREATE STREAM MOVING (k VARCHAR(16), n BIGINT, lo VARCHAR(16));
    CREATE PUMP MOVING_PUMP AS INSERT INTO MOVING
      SELECT STREAM "k", COUNT(*) OVER w, MIN("s") OVER w FROM "IN" WINDOW w AS (PARTITION BY "k" RANGE INTERVAL '3' SECOND PRECEDING);
    CREATE STREAM LAGGED (k VARCHAR(16), prev INTEGER, lo VARCHAR(16));
    CREATE PUMP LAGGED_PUMP AS INSERT INTO LAGGED
      SELECT STREAM "k", LAG("v", 2) OVER w, MIN("s") OVER w FROM "IN" WINDOW w AS (PARTITION BY "k" RANGE INTERVAL '2' SECOND PRECEDING);
    CREATE STREAM SCORED (k VARCHAR(16), v INTEGER, score DOUBLE);
    CREATE PUMP SCORED_PUMP AS INSERT INTO SCORED
      SELECT STREAM "k", "v", ANOMALY_SCORE
      FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "k", "v" FROM "IN"), 5, 16, 1000, 1, 'PARTITION_BY=k'));
    CREATE STREAM ALERTS (k VARCHAR(64), type VARCHAR(16), suppressed BIGINT);
    CREATE PUMP ALERTS_PUMP AS INSERT INTO ALERTS
      SELECT STREAM ALERT_KEY, ALERT_TYPE, SUPPRESSED_COUNT
      FROM TABLE(ANOMALY_ALERTS(CURSOR(SELECT STREAM k, v FROM SCORED), 'V', 'K', 2, 30, 'WARM_UP=3, MIN_STDDEV=1'));
    """

    /// Keys that come back after the 20 s retention, keys that never come back, out-of-order rows:
    /// an interrupted run (snapshot, restore, continue) equals an uninterrupted one, snapshots hold
    /// the same bytes however often they were taken, and keys were in fact evicted before the splits.
    @Test func evictedStateSnapshotsAndRestoresExactly() throws {
        var random = SplitMix64(seed: 29)
        let rows = (0..<1500).map { i -> Row in
            let k = random.nextUnit() < 0.5 ? "r\(random.int(12))" : "n\(i)"
            let v = random.nextUnit() < 0.05 ? 500 + random.int(100) : random.int(20)
            return Row(k: k, v: v, s: "s\(random.int(30))", t: 1_000_000 + Int64(i) * 150 + Int64(random.int(1000)))
        }
        let values = rows.map { #"{"k":"\#($0.k)","v":\#($0.v),"s":"\#($0.s)","t":\#($0.t)}"# }
        let topology = try Analyzer.analyze(text: Self.everyKeyedSQL, name: "bound")
        let records = SnapshotInputs.records("IN", partitions: 1, values)
        let run = try SnapshotTests.checkRoundTrips(topology, records, splits: 5, seed: 3, also: [700, 1100])
        #expect(run.events.contains { $0.text.hasPrefix("ALERTS|") })
        // Before the end (finish forgets every key): snapshots taken mid-stream at different points
        // by a run that was interrupted and one that was not hold the same bytes.
        let end = 1300
        let uninterrupted = try SnapshotRun.engine(topology)
        var taken: [Int: [UInt8]] = [:]
        for index in 0..<end {
            if index % 150 == 75 { taken[index] = uninterrupted.snapshot() }
            Self.feed(uninterrupted, [rows[index]], offset: Int64(index))
        }
        let reference = uninterrupted.snapshot()
        for (index, snapshot) in taken.sorted(by: { $0.key < $1.key }) {
            let restored = try SnapshotRun.engine(topology)
            try restored.restore(from: snapshot)
            for i in index..<end { Self.feed(restored, [rows[i]], offset: Int64(i)) }
            let same = restored.snapshot() == reference
            #expect(same, "restored at \(index), snapshot at \(end) differs from the uninterrupted run's")
        }
        let engine = try SnapshotRun.engine(topology)
        Self.feed(engine, Array(rows.prefix(700)))
        #expect(engine.evictedStateKeysByPump.allSatisfy { $0.keys > 0 }, "\(engine.evictedStateKeysByPump)")
    }
}
