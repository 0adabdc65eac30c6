import EddyCore
import EddyEngine
import EddySketches
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// One message of a test stream, with the offset it has in its partition.
struct SnapshotFeedRecord {
    var stream: String
    var partition: Int32
    var offset: Int64
    var value: [UInt8]
}

/// Drives an engine the way the Kafka runtime does: records in a fixed order, processing time
/// following the highest rowtime (as replay does), outputs and released commit offsets drained
/// after every record, so a snapshot can be taken between any two records.
struct SnapshotRun {
    /// Each captured output row and commit release, tagged with the index of the record after which it appeared.
    var events: [(index: Int, text: String)] = []
    var snapshots: [Int: [UInt8]] = [:]
    var finalSnapshot: [UInt8] = []

    static func engine(_ topology: Topology) throws -> Engine {
        try Engine(topology: topology, captureAllStreams: true, trackCommitOffsets: true)
    }

    /// Feeds `records[range]`, taking a snapshot before each index in `snapshotAt`, then finishes.
    mutating func feed(_ engine: Engine, _ records: [SnapshotFeedRecord], from start: Int, snapshotAt: Set<Int> = []) {
        for index in start..<records.count {
            if snapshotAt.contains(index) { snapshots[index] = engine.snapshot() }
            let record = records[index]
            let source = engine.sourceIndex(named: record.stream)!
            record.value.withUnsafeBytes {
                engine.process(source: source, partition: record.partition, offset: record.offset, timestamp: engine.processingNow,
                               value: $0, origin: RecordOrigin(topic: record.stream.lowercased()))
            }
            if engine.highestRowtime > engine.processingNow { engine.advanceProcessingTime(to: engine.highestRowtime) }
            drain(engine, index: index)
        }
        engine.finish()
        drain(engine, index: records.count)
        finalSnapshot = engine.snapshot()
    }

    mutating func drain(_ engine: Engine, index: Int) {
        for output in engine.outputs {
            for row in output.rows() { events.append((index, "\(output.streamName)|\(row.key ?? "-")|\(row.rowtime)|\(row.value)")) }
            output.removeAll()
        }
        for position in engine.releasedCommitPositions() {
            events.append((index, "commit|\(position.source)|\(position.partition)|\(position.nextOffset)"))
        }
    }

    func events(from index: Int) -> [String] { events.filter { $0.index >= index }.map(\.text) }
}

/// Seeded generators of test input for each topology.
enum SnapshotInputs {
    static let base: Int64 = 1_795_496_400_000

    /// Assigns partitions round-robin over `partitions` and numbers offsets per partition.
    static func records(_ stream: String, partitions: Int32, _ values: [String]) -> [SnapshotFeedRecord] {
        var offsets = [Int64](repeating: 0, count: Int(partitions))
        return values.enumerated().map { i, value in
            let p = Int32(i % Int(partitions))
            defer { offsets[Int(p)] += 1 }
            return SnapshotFeedRecord(stream: stream, partition: p, offset: offsets[Int(p)], value: Array(value.utf8))
        }
    }

    /// reviews.sql's input: ReviewGenerator with anomaly episodes (collapses, bursts, broken
    /// records), three partitions, and some records re-sent 8 s later so they arrive late.
    static func reviews(count: Int) -> [SnapshotFeedRecord] {
        var generator = ReviewGenerator(seed: 11, startEventTimeMillis: base, eventsPerSecond: 100, anomalies: AnomalyPlan(everySeconds: 5))
        var values: [[UInt8]] = []
        for i in 0..<count {
            values.append(generator.next().value)
            if i >= 800, i % 97 == 0 { values.append(values[i - 800]) }
        }
        var offsets: [Int64] = [0, 0, 0]
        return values.enumerated().map { i, value in
            let p = i % 3
            defer { offsets[p] += 1 }
            return SnapshotFeedRecord(stream: "SOURCE_SQL_STREAM_001", partition: Int32(p), offset: offsets[p], value: value)
        }
    }

    static func anomalies(count: Int) -> [SnapshotFeedRecord] {
        var random = SplitMix64(seed: 21)
        let values = (0..<count).map { i -> String in
            let sensor = "s\(1 + random.int(4))"
            let spike = random.nextUnit() < 0.03 ? 15.0 : 0
            let temperature = 20 + random.nextUnit() * 2 + spike
            let humidity = 40 + random.nextUnit() * 5
            return #"{"sensor":"\#(sensor)","temperature":\#(temperature),"humidity":\#(humidity),"ts":\#(base + Int64(i) * 500)}"#
        }
        return records("READINGS", partitions: 2, values)
    }

    static func filterProject(count: Int) -> [SnapshotFeedRecord] {
        var random = SplitMix64(seed: 5)
        let customers = [" alice ", "testbob", "carol", "dave "]
        let countries = ["US", "DE", "FR"]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let values = (0..<count).map { i -> String in
            let amount = (random.nextUnit() * 1200 * 100).rounded() / 100
            let ts = formatter.string(from: Date(timeIntervalSince1970: Double(base + Int64(i) * 1500) / 1000))
            if i % 37 == 5 { return "{not json" }
            return #"{"id":\#(i),"customer":"\#(customers[random.int(4)])","amount":\#(amount),"country":"\#(countries[random.int(3)])","meta":{"ts":"\#(ts)"}}"#
        }
        return records("ORDERS", partitions: 2, values)
    }

    /// Clicks with jittered (out-of-order) times, some beyond the 2 s lateness.
    static func sessions(count: Int) -> [SnapshotFeedRecord] {
        var random = SplitMix64(seed: 8)
        let pages = ["/home", "/cart", "/search", "/item", "/checkout"]
        let values = (0..<count).map { i -> String in
            let t = base + Int64(i) * 700 + Int64(random.int(3000)) - 1500
            return #"{"user":"u\#(random.int(8))","page":"\#(pages[random.int(5)])","t":\#(t)}"#
        }
        return records("CLICKS", partitions: 3, values)
    }

    static func sliding(count: Int) -> [SnapshotFeedRecord] {
        var random = SplitMix64(seed: 3)
        var prices = [10.0, 100.0, 50.0, 7.0]
        let values = (0..<count).map { i -> String in
            let s = random.int(4)
            prices[s] += random.nextUnit() - 0.5
            return #"{"sym":"\#(["A", "B", "C", "D"][s])","price":\#(prices[s]),"t":\#(base + Int64(i) * 400)}"#
        }
        return records("TICKS", partitions: 2, values)
    }

    /// Input for `SnapshotTests.coverageSQL`: every item distinct; with a 4 ms step, more than 10,000
    /// fall in one 60-second window, so its exact distinct sets turn into HyperLogLog sketches.
    static func coverage(count: Int, stepMillis: Int64) -> [SnapshotFeedRecord] {
        var random = SplitMix64(seed: 13)
        let values = (0..<count).map { i -> String in
            let user = "u\(random.int(5))"
            let v = random.nextUnit() < 0.02 ? 30 + random.nextUnit() : random.nextUnit() * 3
            let n = random.int(4)
            return #"{"user":"\#(user)","item":"i\#(i)","v":\#(v),"n":\#(n),"t":\#(base + Int64(i) * stepMillis)}"#
        }
        return records("EVENTS", partitions: 2, values)
    }
}

@Suite struct SnapshotTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func topology(_ file: String) throws -> Topology {
        let sql = try String(contentsOf: root.appendingPathComponent("topologies/\(file)"), encoding: .utf8)
        return try Analyzer.analyze(text: sql, name: String(file.split(separator: "/").last!.dropLast(4)))
    }

    /// Every stateful operator kind the topologies in topologies/ leave out: tumbling MIN/MAX/FIRST/
    /// LAST over strings, STDDEV, APPROX_COUNT_DISTINCT past the exact limit, a stagger window,
    /// a ROWS sliding window with LAG and string MIN, COUNT_DISTINCT_ITEMS_TUMBLING, HOTSPOTS, and
    /// a single (unpartitioned) shingled forest.
    static let coverageSQL = """
    CREATE STREAM "EVENTS" ("user" VARCHAR(16), "item" VARCHAR(16), "v" DOUBLE, "n" BIGINT, "t" BIGINT)
    WITH ('topic' = 'events', 'rowtime' = 't', 'lateness' = '1 SECONDS');
    CREATE STREAM AGG (u VARCHAR(16), ws TIMESTAMP, c BIGINT, s DOUBLE, mn VARCHAR(16), mx VARCHAR(16), fv VARCHAR(16),
                       lv VARCHAR(16), sd DOUBLE, ad BIGINT);
    CREATE PUMP AGG_PUMP AS INSERT INTO AGG
      SELECT STREAM "user", STEP(e.ROWTIME BY INTERVAL '60' SECOND), COUNT(*), SUM("v"), MIN("item"), MAX("item"),
                    FIRST_VALUE("item"), LAST_VALUE("item"), STDDEV_SAMP("v"), APPROX_COUNT_DISTINCT("item")
      FROM "EVENTS" AS e GROUP BY "user", STEP(e.ROWTIME BY INTERVAL '60' SECOND);
    CREATE STREAM ALL_DISTINCT (c BIGINT, ad BIGINT);
    CREATE PUMP ALL_DISTINCT_PUMP AS INSERT INTO ALL_DISTINCT
      SELECT STREAM COUNT(*), APPROX_COUNT_DISTINCT("item") FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '60' SECOND);
    CREATE STREAM SESSIONS (u VARCHAR(16), c BIGINT, mn VARCHAR(16), lv VARCHAR(16), ad BIGINT);
    CREATE PUMP SESSIONS_PUMP AS INSERT INTO SESSIONS
      SELECT STREAM "user", COUNT(*), MIN("item"), LAST_VALUE("item"), APPROX_COUNT_DISTINCT("n") FROM "EVENTS"
      WINDOWED BY STAGGER (PARTITION BY "user" RANGE INTERVAL '3' SECOND);
    CREATE STREAM MOVING (u VARCHAR(16), a DOUBLE, mn VARCHAR(16), prev DOUBLE);
    CREATE PUMP MOVING_PUMP AS INSERT INTO MOVING
      SELECT STREAM "user", AVG("v") OVER w, MIN("item") OVER w, LAG("v", 2) OVER w FROM "EVENTS"
      WINDOW w AS (PARTITION BY "user" ROWS 5 PRECEDING);
    CREATE STREAM DISTINCT_ITEMS (c BIGINT);
    CREATE PUMP DISTINCT_ITEMS_PUMP AS INSERT INTO DISTINCT_ITEMS
      SELECT STREAM NUMBER_OF_DISTINCT_ITEMS FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "EVENTS"), 'item', 60));
    CREATE STREAM HOT (v DOUBLE, result VARCHAR(4000));
    CREATE PUMP HOT_PUMP AS INSERT INTO HOT SELECT STREAM "v", HOTSPOTS_RESULT
      FROM TABLE(HOTSPOTS(CURSOR(SELECT STREAM "v", "n" FROM "EVENTS"), 100, 0.5, 5));
    CREATE STREAM SCORED (v DOUBLE, score DOUBLE);
    CREATE PUMP SCORE_PUMP AS INSERT INTO SCORED SELECT STREAM "v", ANOMALY_SCORE
      FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "v", "n" FROM "EVENTS"), 10, 32, 1000, 2, 'SEED=3'));
    """

    /// The invariant of DESIGN-6: a run interrupted at record k (snapshot, restore into a fresh
    /// engine, continue) emits exactly what the uninterrupted run emits after k, releases the same
    /// commit offsets, and ends with a byte-identical snapshot.
    @discardableResult
    static func checkRoundTrips(_ topology: Topology, _ records: [SnapshotFeedRecord], splits: Int, seed: UInt64,
                                also fixed: Set<Int> = []) throws -> SnapshotRun {
        var random = SplitMix64(seed: seed)
        var points: Set<Int> = fixed.union([records.count / 2])
        while points.count < splits { points.insert(1 + random.int(records.count - 1)) }
        var uninterrupted = SnapshotRun()
        uninterrupted.feed(try SnapshotRun.engine(topology), records, from: 0, snapshotAt: points)
        #expect(!uninterrupted.events.isEmpty, "the input produces output")
        for k in points.sorted() {
            let snapshot = try #require(uninterrupted.snapshots[k])
            let restored = try SnapshotRun.engine(topology)
            try restored.restore(from: snapshot)
            let identical = restored.snapshot() == snapshot
            #expect(identical, "\(topology.name): snapshot → restore → snapshot is the identity at record \(k)")
            var resumed = SnapshotRun()
            resumed.feed(restored, records, from: k)
            let expected = uninterrupted.events(from: k)
            let actual = resumed.events.map(\.text)
            #expect(actual.count == expected.count, "\(topology.name): output count after split \(k)")
            if let first = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(topology.name): split at \(k), event \(first) differs:\n  resumed:       \(actual[first])\n  uninterrupted: \(expected[first])")
            }
            let sameEnd = resumed.finalSnapshot == uninterrupted.finalSnapshot
            #expect(sameEnd, "\(topology.name): final snapshot after split \(k) is byte-identical")
        }
        return uninterrupted
    }

    @Test func reviewsTopologyResumesExactlyFromAnySplit() throws {
        try Self.checkRoundTrips(try Self.topology("reviews.sql"), SnapshotInputs.reviews(count: 900), splits: 2, seed: 61)
    }

    @Test(arguments: ["anomalies", "filter_project", "sessions", "sliding"])
    func exampleTopologyResumesExactlyFromAnySplit(name: String) throws {
        let records: [SnapshotFeedRecord] = switch name {
        case "anomalies": SnapshotInputs.anomalies(count: 500)
        case "filter_project": SnapshotInputs.filterProject(count: 200)
        case "sessions": SnapshotInputs.sessions(count: 400)
        default: SnapshotInputs.sliding(count: 300)
        }
        try Self.checkRoundTrips(try Self.topology("examples/\(name).sql"), records, splits: 4, seed: UInt64(name.utf8.count))
    }

    @Test func everyOperatorKindResumesExactly() throws {
        let topology = try Analyzer.analyze(text: Self.coverageSQL, name: "coverage")
        try Self.checkRoundTrips(topology, SnapshotInputs.coverage(count: 1500, stepMillis: 100), splits: 3, seed: 97)
    }

    /// Splits after the 10,001st distinct item of a window, so restored windows hold HyperLogLog
    /// sketches (with their HIP state) rather than exact sets.
    @Test func distinctCountsPastTheExactLimitResumeExactly() throws {
        let topology = try Analyzer.analyze(text: """
        CREATE STREAM "EVENTS" ("user" VARCHAR(16), "item" VARCHAR(16), "v" DOUBLE, "n" BIGINT, "t" BIGINT)
        WITH ('topic' = 'events', 'rowtime' = 't');
        CREATE STREAM ALL_DISTINCT (c BIGINT, ad BIGINT);
        CREATE PUMP ALL_DISTINCT_PUMP AS INSERT INTO ALL_DISTINCT
          SELECT STREAM COUNT(*), APPROX_COUNT_DISTINCT("item") FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '60' SECOND);
        CREATE STREAM DISTINCT_ITEMS (c BIGINT);
        CREATE PUMP DISTINCT_ITEMS_PUMP AS INSERT INTO DISTINCT_ITEMS
          SELECT STREAM NUMBER_OF_DISTINCT_ITEMS FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "EVENTS"), 'item', 60));
        """, name: "distinct")
        let run = try Self.checkRoundTrips(topology, SnapshotInputs.coverage(count: 12_300, stepMillis: 4), splits: 3, seed: 5,
                                           also: [10_150, 12_100])
        let window = try #require(run.events.first { $0.text.hasPrefix("ALL_DISTINCT|") }?.text)
        #expect(window.contains(#""C":12300"#))
        #expect(!window.contains(#""AD":12300"#), "past 10,000 items the count is HyperLogLog's estimate: \(window)")
    }

    @Test func aRestoredDistinctCounterContinuesBitForBit() throws {
        var random = SplitMix64(seed: 77)
        let hashes = (0..<6000).map { _ in UInt64(random.nextUnit() * 0x1p63) }
        for split in [50, 150, 3000] {
            var uninterrupted = try DistinctCounter(exactLimit: 100, lgK: 10)
            for hash in hashes[..<split] { uninterrupted.insert(hash: hash) }
            var restored = try DistinctCounter(snapshotBytes: uninterrupted.snapshotBytes())
            #expect(restored == uninterrupted)
            for hash in hashes[split...] {
                uninterrupted.insert(hash: hash)
                restored.insert(hash: hash)
                #expect(restored.count == uninterrupted.count)
            }
            #expect(restored.snapshotBytes() == uninterrupted.snapshotBytes())
            #expect(!restored.isExact)
        }
    }

    // MARK: refused snapshots

    static func sessionsSnapshot() throws -> (topology: Topology, bytes: [UInt8]) {
        let topology = try topology("examples/sessions.sql")
        var run = SnapshotRun()
        let records = SnapshotInputs.sessions(count: 120)
        run.feed(try SnapshotRun.engine(topology), records, from: 0, snapshotAt: [60])
        return (topology, run.snapshots[60]!)
    }

    static func restoreError(_ topology: Topology, _ bytes: [UInt8]) throws -> EngineSnapshotError? {
        let engine = try SnapshotRun.engine(topology)
        do {
            try engine.restore(from: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func anotherTopologysSnapshotIsRefusedWithBothFingerprints() throws {
        let (sessions, bytes) = try Self.sessionsSnapshot()
        let sliding = try Self.topology("examples/sliding.sql")
        let slidingEngine = try SnapshotRun.engine(sliding)
        let error = try #require(try Self.restoreError(sliding, bytes))
        let sessionsFingerprint = try SnapshotRun.engine(sessions).stateFingerprint
        #expect(sessionsFingerprint != slidingEngine.stateFingerprint)
        #expect(error == .fingerprintMismatch(snapshot: sessionsFingerprint, engine: slidingEngine.stateFingerprint))
        #expect(error.description.contains("different topology"))
        #expect(error.description.contains("delete the state directory"))
    }

    @Test func fingerprintIgnoresLayoutButNotThePlan() throws {
        let sql = try String(contentsOf: Self.root.appendingPathComponent("topologies/examples/sessions.sql"), encoding: .utf8)
        let original = try SnapshotRun.engine(try Analyzer.analyze(text: sql, name: "sessions")).stateFingerprint
        let relaidOut = try SnapshotRun.engine(try Analyzer.analyze(text: "-- a new comment\n\n" + sql, name: "sessions")).stateFingerprint
        let changed = try SnapshotRun.engine(try Analyzer.analyze(text: sql.replacingOccurrences(of: "'30' SECOND", with: "'31' SECOND"),
                                                                    name: "sessions")).stateFingerprint
        #expect(original == relaidOut)
        #expect(original != changed)
        #expect(original.count == 32)
    }

    @Test func anotherFormatVersionIsRefused() throws {
        let (topology, bytes) = try Self.sessionsSnapshot()
        var future = bytes
        future[8] = UInt8(Engine.snapshotFormatVersion + 1)
        #expect(try Self.restoreError(topology, future) == .unsupportedVersion(found: Engine.snapshotFormatVersion + 1, supported: Engine.snapshotFormatVersion))
        var past = bytes
        past[8] = 1
        #expect(try Self.restoreError(topology, past) == .unsupportedVersion(found: 1, supported: Engine.snapshotFormatVersion))
    }

    @Test func truncatedSnapshotsAreRefusedAsTruncated() throws {
        let (topology, bytes) = try Self.sessionsSnapshot()
        for length in [3, 10, 14, 30, bytes.count / 2, bytes.count - 9, bytes.count - 1] {
            let error = try Self.restoreError(topology, Array(bytes.prefix(length)))
            guard case .truncated? = error else {
                Issue.record("cut to \(length) of \(bytes.count) bytes: \(String(describing: error))")
                continue
            }
        }
    }

    @Test func aFlippedBitIsRefusedAsCorrupt() throws {
        let (topology, bytes) = try Self.sessionsSnapshot()
        var random = SplitMix64(seed: 4)
        for _ in 0..<20 {
            var damaged = bytes
            let position = 12 + random.int(bytes.count - 12)
            damaged[position] ^= UInt8(1 << random.int(8))
            let error = try Self.restoreError(topology, damaged)
            guard case .corrupt? = error else {
                Issue.record("bit flip at byte \(position): \(String(describing: error))")
                continue
            }
        }
        var magic = bytes
        magic[0] ^= 0x20
        #expect(try Self.restoreError(topology, magic) == .notASnapshot)
    }

    @Test func aStructurallyWrongPayloadWithAValidChecksumIsRefused() throws {
        let (topology, bytes) = try Self.sessionsSnapshot()
        // Drop the last operator section's final byte and re-seal the body length and checksum.
        let fingerprintLength = Int(bytes[12])
        let bodyLengthAt = 12 + 8 + fingerprintLength
        var body = Array(bytes[(bodyLengthAt + 8)..<(bytes.count - 8)])
        body.removeLast()
        var resealed = Array(bytes[0..<bodyLengthAt])
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { resealed.append(contentsOf: $0) }
        resealed += body
        let checksum = resealed.withUnsafeBytes { StableHash64.hash(bytes: $0) }
        withUnsafeBytes(of: checksum.littleEndian) { resealed.append(contentsOf: $0) }
        let error = try Self.restoreError(topology, resealed)
        guard case .corrupt(let reason)? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(!reason.contains("checksum"))
    }

    @Test func restoreNeedsAFreshEngineAndARefusedSnapshotChangesNothing() throws {
        let (topology, bytes) = try Self.sessionsSnapshot()
        let used = try SnapshotRun.engine(topology)
        var run = SnapshotRun()
        run.feed(used, Array(SnapshotInputs.sessions(count: 3)), from: 0)
        #expect(throws: EngineSnapshotError.engineNotFresh) { try used.restore(from: bytes) }

        let engine = try SnapshotRun.engine(topology)
        let empty = engine.snapshot()
        var damaged = bytes
        damaged[damaged.count / 2] ^= 1
        #expect(throws: EngineSnapshotError.self) { try engine.restore(from: damaged) }
        let untouched = engine.snapshot() == empty
        #expect(untouched, "a refused snapshot leaves the engine as it was")
        try engine.restore(from: bytes)
        let restored = engine.snapshot() == bytes
        #expect(restored)
    }
}

@Suite struct SnapshotProcessingTimeTests {
    /// After a restart longer than the idle timeout, restored partitions are not idle: a record the
    /// restarted task replays for the slow partition is still on time.
    @Test func downtimeDoesNotMakeRestoredPartitionsIdle() throws {
        let sql = """
        CREATE STREAM "IN" ("k" VARCHAR(4), "t" BIGINT) WITH ('topic' = 'in', 'rowtime' = 't', 'idle_timeout' = '30 SECONDS');
        CREATE STREAM OUT (k VARCHAR(4), c BIGINT);
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "k", COUNT(*) FROM "IN" AS i GROUP BY "k", STEP(i.ROWTIME BY INTERVAL '10' SECOND);
        """
        let topology = try Analyzer.analyze(text: sql, name: "idle")
        func feed(_ engine: Engine, partition: Int32, t: Int64) {
            var text = #"{"k":"a","t":\#(t)}"#
            let source = engine.sourceIndex(named: "IN")!
            text.withUTF8 { engine.process(source: source, partition: partition, offset: 0, timestamp: 0, value: UnsafeRawBufferPointer($0), origin: RecordOrigin(topic: "in")) }
        }
        let first = try Engine(topology: topology, captureAllStreams: true)
        first.advanceProcessingTime(to: 1_000)
        feed(first, partition: 1, t: 5_000)
        feed(first, partition: 0, t: 50_000)
        #expect(first.watermark == 5_000)
        let bytes = first.snapshot()

        for resume in [false, true] {
            let restarted = try Engine(topology: topology, captureAllStreams: true)
            try restarted.restore(from: bytes)
            if resume { restarted.resumeProcessingTime(at: 200_000) }
            restarted.advanceProcessingTime(to: 200_000)
            feed(restarted, partition: 1, t: 6_000)
            let late = restarted.statistics.lateRows
            // Without resuming, both partitions look idle after 199 s and the watermark jumps to 50 s.
            #expect(late == (resume ? 0 : 1))
        }
    }
}

extension SplitMix64 {
    /// Uniform in 0..<n, scaled from a unit draw (the snapshot inputs' recipe: changing it would change
    /// the seeded test data).
    mutating func int(_ n: Int) -> Int { min(n - 1, Int(nextUnit() * Double(n))) }
}
