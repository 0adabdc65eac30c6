import EddyEngine
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// Global aggregates under scale-out (issue 6 point 3): three task engines in partial mode, each fed
/// a disjoint share of a seeded review stream (split by a hash of review_id), publish their closed
/// windows and progress to a `PartialCombiner`, whose rows must equal those of one engine fed the
/// whole stream: counts exactly, doubles within 1e-9 relative, APPROX_COUNT_DISTINCT exactly (it is
/// exact below 10,000 distinct items).
@Suite struct PartialCombinerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let start: Int64 = 1_795_496_400_000
    static let tasks = 3
    static let pumps = ["MESSAGE_COUNTS_PUMP", "AVG_STAR_RATING_SQL_STREAM_PUMP"]
    static let streams = ["MESSAGE_COUNTS_SQL_STREAM", "AVG_STAR_RATING_SQL_STREAM"]
    /// Task 2 gets no record in this window (its share goes to task 0), so the combiner must fire a
    /// window some task has no partial for.
    static let emptyWindow: Range<Int64> = (start + 20_000)..<(start + 30_000)

    static func topology() throws -> Topology {
        let sql = try String(contentsOf: root.appendingPathComponent("topologies/reviews.sql"), encoding: .utf8)
        return try Analyzer.analyze(text: sql, name: "reviews")
    }

    /// 60 s of reviews at 40/s, each with the task that owns it.
    static func records() throws -> [(value: [UInt8], task: Int)] {
        var generator = ReviewGenerator(seed: 17, startEventTimeMillis: start, eventsPerSecond: 40, anomalies: nil)
        var result: [(value: [UInt8], task: Int)] = []
        while true {
            let record = generator.next()
            if record.eventTimeMillis >= start + 60_000 { break }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
            let reviewID = try #require(object["review_id"] as? String)
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in reviewID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            var task = Int(hash % UInt64(tasks))
            if task == 2, emptyWindow.contains(record.eventTimeMillis) { task = 0 }
            result.append((record.value, task))
        }
        return result
    }

    static func feed(_ engine: Engine, _ value: [UInt8], partition: Int, offset: Int64) {
        let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
        value.withUnsafeBytes {
            engine.process(source: source, partition: Int32(partition), offset: offset, timestamp: 0, value: $0,
                           origin: RecordOrigin(topic: "reviews"))
        }
    }

    /// One engine fed every record (partition = owning task): the reference rows per stream.
    static func single(_ records: [(value: [UInt8], task: Int)]) throws -> [String: [String: String]] {
        let engine = try Engine(topology: try topology(), captureAllStreams: true)
        for (i, record) in records.enumerated() { feed(engine, record.value, partition: record.task, offset: Int64(i)) }
        engine.finish()
        #expect(engine.statistics.lateRows == 0)
        return rows(engine)
    }

    static func rows(_ engine: Engine) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for stream in streams {
            for row in engine.output(named: stream)!.rows() { result[stream, default: [:]][row.key ?? "", default: ""] = row.value }
        }
        return result
    }

    /// What the tasks published, for the assertions.
    struct Published {
        var partials: [(task: Int, partial: ClosedPartialWindow)] = []
    }

    /// The tasks in partial mode, publishing after every record; `replay` re-sends each partial once
    /// more right away and all of task 0's partials again at the end (as a task restarted from an
    /// older checkpoint would).
    static func combined(_ records: [(value: [UInt8], task: Int)], replay: Bool) throws
        -> (rows: [String: [String: String]], published: Published, combiner: PartialCombiner) {
        let topology = try topology()
        let combiner = try PartialCombiner(topology: topology, pumps: pumps, taskCount: tasks)
        let engines = try (0..<tasks).map { _ in try Engine(topology: topology, captureAllStreams: true) }
        for engine in engines { for pump in pumps { try engine.enablePartialMode(pump: pump) } }
        var published = Published()
        func publish(_ task: Int) throws {
            for partial in engines[task].drainClosedPartials() {
                published.partials.append((task, partial))
                try combiner.receive(task: task, partial: partial)
                if replay { try combiner.receive(task: task, partial: partial) }
            }
            try combiner.advance(task: task, progress: engines[task].partialProgress)
        }
        var offsets = [Int64](repeating: 0, count: tasks)
        for record in records {
            feed(engines[record.task], record.value, partition: record.task, offset: offsets[record.task])
            offsets[record.task] += 1
            try publish(record.task)
        }
        if replay {
            for (task, partial) in published.partials where task == 0 { try combiner.receive(task: task, partial: partial) }
        }
        for task in 0..<tasks {
            engines[task].finish()
            try publish(task)
        }
        return (rows(combiner.engine), published, combiner)
    }

    static func expectSame(_ combined: [String: [String: String]], _ single: [String: [String: String]]) throws {
        for stream in streams {
            let c = combined[stream] ?? [:], s = single[stream] ?? [:]
            #expect(!s.isEmpty)
            #expect(Set(c.keys) == Set(s.keys), "\(stream): keys differ")
            for (key, expectedText) in s {
                let expected = try #require(try JSONSerialization.jsonObject(with: Data(expectedText.utf8)) as? [String: Any])
                let actualText = try #require(c[key], "\(stream) \(key) missing")
                let actual = try #require(try JSONSerialization.jsonObject(with: Data(actualText.utf8)) as? [String: Any])
                #expect(Set(actual.keys) == Set(expected.keys))
                for (column, e) in expected {
                    if let e = e as? Double, let a = actual[column] as? Double, !(e.rounded() == e && abs(e) < 1e15) {
                        #expect(abs(a - e) <= 1e-9 * max(1, abs(e)), "\(stream) \(key) \(column): \(a) vs \(e)")
                    } else {
                        #expect(String(describing: actual[column] ?? "nil") == String(describing: e), "\(stream) \(key) \(column)")
                    }
                }
            }
        }
    }

    @Test func threeTasksCombineIntoTheSingleEngineRows() throws {
        let records = try Self.records()
        #expect(Set(records.map(\.task)) == [0, 1, 2])
        let single = try Self.single(records)
        let run = try Self.combined(records, replay: false)
        try Self.expectSame(run.rows, single)
        // Six 10-second windows of message counts, one row each.
        #expect(single["MESSAGE_COUNTS_SQL_STREAM"]?.count == 6)
        // Task 2 published no partial for the window it had no record in; the window still fired.
        let emptyStart = Self.emptyWindow.lowerBound
        #expect(!run.published.partials.contains { $0.task == 2 && $0.partial.windowStart == emptyStart })
        #expect(run.published.partials.contains { $0.task == 0 && $0.partial.windowStart == emptyStart })
        #expect(run.combiner.replaysAfterFire == 0)
        #expect(run.combiner.pendingPartials.isEmpty)
        #expect(run.combiner.horizon == .max)
    }

    @Test func replayedPartialsReplaceRatherThanAdd() throws {
        let records = try Self.records()
        let single = try Self.single(records)
        let run = try Self.combined(records, replay: true)
        try Self.expectSame(run.rows, single)
        // Every task-0 partial re-sent before the end belonged to a window that had already fired
        // except those still pending then; the fired ones were counted and ignored.
        #expect(run.combiner.replaysAfterFire > 0)
        #expect(run.combiner.replaysAfterFire <= run.published.partials.filter { $0.task == 0 }.count)
    }

    @Test func partialsAreBufferedUntilEveryTaskPassedTheWindow() throws {
        let topology = try Self.topology()
        let combiner = try PartialCombiner(topology: topology, pumps: ["MESSAGE_COUNTS_PUMP"], taskCount: 2)
        let task = try Engine(topology: topology, captureAllStreams: true)
        try task.enablePartialMode(pump: "MESSAGE_COUNTS_PUMP")
        let records = try Self.records().prefix(800)
        for (i, record) in records.enumerated() { Self.feed(task, record.value, partition: 0, offset: Int64(i)) }
        let partials = task.drainClosedPartials()
        #expect(!partials.isEmpty)
        // Partials are versioned ("EPGT", version byte 4): another version is refused with the reason.
        var future = partials[0]
        future.state[4] = 2
        do {
            try combiner.receive(task: 0, partial: future)
            Issue.record("a partial of another version was accepted")
        } catch {
            #expect(error.reason.contains("version 2 is not supported"))
        }
        for partial in partials { try combiner.receive(task: 0, partial: partial) }
        try combiner.advance(task: 0, progress: task.partialProgress)
        // Task 1 has not reported: nothing fires, everything stays pending.
        #expect(combiner.engine.output(named: "MESSAGE_COUNTS_SQL_STREAM")!.rows().isEmpty)
        #expect(combiner.pendingPartials.count == partials.count)
        try combiner.advance(task: 1, progress: task.partialProgress)
        let fired = combiner.engine.output(named: "MESSAGE_COUNTS_SQL_STREAM")!.rows()
        #expect(fired.count == partials.count)
        #expect(combiner.pendingPartials.isEmpty)
    }

    @Test func pumpsThatCannotBeCombinedAreRefused() throws {
        let topology = try Self.topology()
        let engine = try Engine(topology: topology, captureAllStreams: true)
        // A forest learns from the order of its rows: it cannot be assembled from per-task parts.
        do {
            try engine.enablePartialMode(pump: "REVIEW_ANOMALY_PUMP")
            Issue.record("RANDOM_CUT_FOREST was accepted in partial mode")
        } catch {
            #expect(error.reason.contains("neither a tumbling GROUP BY window nor"))
        }
        #expect(throws: (any Error).self) { try PartialCombiner(topology: topology, pumps: ["REVIEW_ANOMALY_PUMP"], taskCount: 2) }
        // The tumbling table functions combine (TableFunctionCombineTests, ReviewsCombineTests).
        for pump in ["APPROXIMATE_DISTINCT_REVIEWS_PUMP", "TOP_PRODUCTS_PUMP"] {
            try engine.enablePartialMode(pump: pump)
            _ = try PartialCombiner(topology: topology, pumps: [pump], taskCount: 2)
        }
        let ordered = try Analyzer.analyze(text: """
            CREATE STREAM "EVENTS" ("item" VARCHAR(16), "t" BIGINT) WITH ('topic' = 'events', 'rowtime' = 't');
            CREATE STREAM FIRSTS (f VARCHAR(16));
            CREATE PUMP FIRST_PUMP AS INSERT INTO FIRSTS
              SELECT STREAM FIRST_VALUE("item") FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '10' SECOND);
            """, name: "ordered")
        let orderedEngine = try Engine(topology: ordered, captureAllStreams: true)
        do {
            try orderedEngine.enablePartialMode(pump: "FIRST_PUMP")
            Issue.record("FIRST_VALUE was accepted in partial mode")
        } catch {
            #expect(error.reason.contains("order of rows"))
        }
        let combiner = try PartialCombiner(topology: topology, pumps: ["MESSAGE_COUNTS_PUMP"], taskCount: 2)
        #expect(throws: AccumulatorMergeError.self) { try combiner.advance(task: 2, progress: 0) }
        #expect(throws: AccumulatorMergeError.self) {
            try combiner.receive(task: 0, partial: ClosedPartialWindow(pump: "AVG_STAR_RATING_SQL_STREAM_PUMP", windowStart: 0, state: []))
        }
        #expect(throws: AccumulatorMergeError.self) {
            try combiner.receive(task: 0, partial: ClosedPartialWindow(pump: "MESSAGE_COUNTS_PUMP", windowStart: Self.start, state: [1, 2, 3]))
        }
        #expect(combiner.pendingPartials.isEmpty)
    }
}
