import EddyCore
import EddyEngine
import EddySQL
import EddySketches
import Foundation
import Testing

/// COUNT_DISTINCT_ITEMS_TUMBLING and TOP_K_ITEMS_TUMBLING under scale-out (issue 6 point 3): 2–4
/// task engines in partial mode, each fed a seeded share of one stream, publish their closed windows
/// to a `PartialCombiner`, whose rows are compared with one engine fed the whole stream.
///
/// - Windows whose distinct items stay within the sketches' exact ranges (10,000 for the distinct
///   count, capacity max(10·K, 100) for top-K) must give identical rows: same values, order, ROWTIME.
/// - A window past both ranges: the distinct count within 2.5 % of one engine's (HIP) and of the
///   truth, and identical for any number of tasks; every top-K count at most N / capacity above the
///   item's true count and never below it, for the combiner as for one engine.
@Suite struct TableFunctionCombineTests {
    static let start: Int64 = 1_795_496_400_000
    static let k = 5
    static let capacity = 100 // max(10·K, 100)
    static let sql = """
    CREATE STREAM "EVENTS" ("item" VARCHAR(16), "t" BIGINT) WITH ('topic' = 'events', 'rowtime' = 't');
    CREATE STREAM DISTINCTS (n BIGINT);
    CREATE PUMP DISTINCT_PUMP AS INSERT INTO DISTINCTS
      SELECT STREAM NUMBER_OF_DISTINCT_ITEMS
      FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "EVENTS"), 'item', 10));
    CREATE STREAM TOPS (window_end TIMESTAMP, item VARCHAR(16), item_count BIGINT);
    CREATE PUMP TOP_PUMP AS INSERT INTO TOPS
      SELECT STREAM ROWTIME, ITEM, ITEM_COUNT
      FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "EVENTS"), 'item', \(k), 10));
    """
    static let pumps = ["DISTINCT_PUMP", "TOP_PUMP"]
    static let streams = ["DISTINCTS", "TOPS"]
    /// The window past both exact ranges.
    static let largeWindow = 1
    /// The window the last task gets no record in.
    static let windowWithoutLastTask = 2

    struct Event {
        var item: String?
        var t: Int64
        var window: Int
        var task: Int
        var json: [UInt8] {
            let text = item.map { "\"\($0)\"" } ?? "null"
            return Array(#"{"item":\#(text),"t":\#(t)}"#.utf8)
        }
    }

    /// Four 10-second windows: 3,000 records over 60 items (1 in 50 NULL); 26,000 records, half from 20
    /// skewed heavy items and half from a tail of 100,000 (about 13,000 distinct); 2,000 records over
    /// 90 items, none for the last task; 40 records over 10 items, every fourth NULL.
    static func events(tasks: Int, seed: UInt64 = 23) -> [Event] {
        var random = SplitMix64(state: seed)
        var events: [Event] = []
        func window(_ w: Int, count: Int, item: (inout SplitMix64, Int) -> String?) {
            for i in 0..<count {
                let t = start + Int64(w) * 10_000 + Int64(i) * 10_000 / Int64(count)
                let value = item(&random, i)
                var task = Int(random.nextUnit() * Double(tasks))
                if w == windowWithoutLastTask, task == tasks - 1 { task = 0 }
                events.append(Event(item: value, t: t, window: w, task: task))
            }
        }
        window(0, count: 3_000) { r, i in i % 50 == 7 ? nil : "a\(Int(60 * r.nextUnit() * r.nextUnit()))" }
        window(largeWindow, count: 26_000) { r, i in
            i % 2 == 0 ? "heavy\(Int(20 * r.nextUnit() * r.nextUnit()))" : "tail\(Int(100_000 * r.nextUnit()))"
        }
        window(2, count: 2_000) { r, _ in "c\(Int(90 * r.nextUnit()))" }
        window(3, count: 40) { r, i in i % 4 == 0 ? nil : "d\(Int(10 * r.nextUnit()))" }
        return events
    }

    static func topology() throws -> Topology { try Analyzer.analyze(text: sql, name: "tablefunctions") }

    static func feed(_ engine: Engine, _ event: Event, offset: Int64) {
        let source = engine.sourceIndex(named: "EVENTS")!
        event.json.withUnsafeBytes {
            engine.process(source: source, partition: Int32(event.task), offset: offset, timestamp: 0, value: $0,
                           origin: RecordOrigin(topic: "events"))
        }
    }

    typealias Rows = [String: [(value: String, rowtime: Int64)]]

    static func rows(_ engine: Engine) -> Rows {
        var result: Rows = [:]
        for stream in streams { result[stream] = engine.output(named: stream)!.rows().map { ($0.value, $0.rowtime) } }
        return result
    }

    static func single(_ events: [Event]) throws -> Rows {
        let engine = try Engine(topology: try topology(), captureAllStreams: true)
        for (i, event) in events.enumerated() { feed(engine, event, offset: Int64(i)) }
        engine.finish()
        #expect(engine.statistics.lateRows == 0)
        return rows(engine)
    }

    /// The tasks publish after every record. With `replay`, every partial is received twice and the
    /// first task's partials once more at the end (a task restarted from an older checkpoint).
    static func combined(_ events: [Event], tasks: Int, replay: Bool = false) throws
        -> (rows: Rows, combiner: PartialCombiner, partials: [(task: Int, partial: ClosedPartialWindow)]) {
        let topology = try topology()
        let combiner = try PartialCombiner(topology: topology, pumps: pumps, taskCount: tasks)
        let engines = try (0..<tasks).map { _ in try Engine(topology: topology, captureAllStreams: true) }
        for engine in engines { for pump in pumps { try engine.enablePartialMode(pump: pump) } }
        var partials: [(task: Int, partial: ClosedPartialWindow)] = []
        func publish(_ task: Int) throws {
            for partial in engines[task].drainClosedPartials() {
                partials.append((task, partial))
                try combiner.receive(task: task, partial: partial)
                if replay { try combiner.receive(task: task, partial: partial) }
            }
            try combiner.advance(task: task, progress: engines[task].partialProgress)
        }
        var offsets = [Int64](repeating: 0, count: tasks)
        for event in events {
            feed(engines[event.task], event, offset: offsets[event.task])
            offsets[event.task] += 1
            try publish(event.task)
        }
        if replay {
            for (task, partial) in partials where task == 0 { try combiner.receive(task: task, partial: partial) }
        }
        for task in 0..<tasks {
            engines[task].finish()
            try publish(task)
        }
        for engine in engines { #expect(streams.allSatisfy { engine.output(named: $0)!.rows().isEmpty }) }
        return (rows(combiner.engine), combiner, partials)
    }

    static func windowEnd(_ w: Int) -> Int64 { start + Int64(w + 1) * 10_000 }

    static func distinctCount(_ row: (value: String, rowtime: Int64)) throws -> Int64 {
        Int64(try #require(try jsonObject(row.value)["N"] as? Int))
    }

    /// Compares a combined run with one engine: exact windows identical, the large one within bounds.
    static func expectMatchesSingle(_ combined: Rows, _ single: Rows, events: [Event]) throws {
        for stream in streams {
            let c = try #require(combined[stream]), s = try #require(single[stream])
            #expect(c.map(\.rowtime) == s.map(\.rowtime), "\(stream): rows or ROWTIMEs differ")
            let large = windowEnd(largeWindow)
            #expect(c.filter { $0.rowtime != large }.map(\.value) == s.filter { $0.rowtime != large }.map(\.value), "\(stream)")
        }
        #expect(try #require(single["DISTINCTS"]).count == 4)
        #expect(try #require(single["TOPS"]).count == 4 * k)

        let largeEvents = events.filter { $0.window == largeWindow }
        let truth = Double(Set(largeEvents.compactMap(\.item)).count)
        #expect(truth > 10_000)
        let c = try distinctCount(try #require(combined["DISTINCTS"]?.first { $0.rowtime == windowEnd(largeWindow) }))
        let s = try distinctCount(try #require(single["DISTINCTS"]?.first { $0.rowtime == windowEnd(largeWindow) }))
        #expect(abs(Double(c - s)) <= 0.025 * Double(s), "combined \(c), single \(s)")
        #expect(abs(Double(c) - truth) <= 0.025 * truth, "combined \(c), truth \(truth)")

        var counts: [String: Int64] = [:]
        for event in largeEvents { if let item = event.item { counts[item, default: 0] += 1 } }
        #expect(counts.count > capacity)
        let bound = Int64(largeEvents.count / capacity)
        let kthTrue = counts.values.sorted(by: >)[k - 1]
        for rows in [combined, single] {
            let top = try #require(rows["TOPS"]).filter { $0.rowtime == windowEnd(largeWindow) }.map { try jsonObject($0.value) }
            #expect(top.count == k)
            var previous = Int64.max
            for row in top {
                let item = try #require(row["ITEM"] as? String), count = Int64(try #require(row["ITEM_COUNT"] as? Int))
                let exact = counts[item, default: 0]
                #expect(exact <= count && count - exact <= bound, "\(item): reported \(count), true \(exact), bound \(bound)")
                #expect(exact >= kthTrue - bound, "\(item): true \(exact), K-th largest true \(kthTrue)")
                #expect(count <= previous)
                previous = count
            }
        }
    }

    @Test func twoToFourTasksCombineIntoOneEnginesRows() throws {
        var largeDistinct: Set<String> = []
        for tasks in 2...4 {
            let events = Self.events(tasks: tasks)
            #expect(Set(events.map(\.task)) == Set(0..<tasks))
            #expect(!events.contains { $0.window == Self.windowWithoutLastTask && $0.task == tasks - 1 })
            let single = try Self.single(events)
            let run = try Self.combined(events, tasks: tasks)
            try Self.expectMatchesSingle(run.rows, single, events: events)
            // The last task published nothing for the window it had no record in; the window fired anyway.
            let emptyStart = Self.windowEnd(Self.windowWithoutLastTask) - 10_000
            #expect(!run.partials.contains { $0.task == tasks - 1 && $0.partial.windowStart == emptyStart })
            #expect(run.combiner.pendingPartials.isEmpty && run.combiner.replaysAfterFire == 0)
            largeDistinct.insert(try #require(run.rows["DISTINCTS"]?.first { $0.rowtime == Self.windowEnd(Self.largeWindow) }).value)
        }
        // The combined distinct count depends on the window's items alone, not on the number of tasks.
        #expect(largeDistinct.count == 1)
    }

    @Test func replayedPartialsReplaceRatherThanAdd() throws {
        let events = Self.events(tasks: 3)
        let plain = try Self.combined(events, tasks: 3)
        let replayed = try Self.combined(events, tasks: 3, replay: true)
        for stream in Self.streams {
            #expect(replayed.rows[stream]!.map(\.value) == plain.rows[stream]!.map(\.value))
            #expect(replayed.rows[stream]!.map(\.rowtime) == plain.rows[stream]!.map(\.rowtime))
        }
        #expect(replayed.combiner.replaysAfterFire > 0)
    }

    @Test func enginePartialWindowsExportOpenWindows() throws {
        let engine = try Engine(topology: try Self.topology(), captureAllStreams: true)
        for pump in Self.pumps { try engine.enablePartialMode(pump: pump) }
        #expect(engine.partialModePumps == Self.pumps)
        for (i, event) in Self.events(tasks: 1).prefix(100).enumerated() { Self.feed(engine, event, offset: Int64(i)) }
        for pump in Self.pumps {
            let open = try engine.partialWindows(pump: pump)
            #expect(open.map(\.windowStart) == [Self.start])
            // An open window's state is a valid partial: another engine combines it.
            let other = try Engine(topology: try Self.topology(), captureAllStreams: true)
            try other.combinePartialWindow(pump: pump, windowStart: Self.start, state: open[0].state)
            #expect(throws: AccumulatorMergeError.self) {
                try other.combinePartialWindow(pump: pump, windowStart: Self.start + 1, state: open[0].state)
            }
        }
        #expect(engine.drainClosedPartials().isEmpty)
    }

    /// A combiner gets partial states only: a record counted into a top-K window between two parts
    /// would be lost when the parts are merged again, so the second part is refused instead.
    @Test func recordsIntoAWindowBeingCombinedAreRefused() throws {
        let task = try Engine(topology: try Self.topology(), captureAllStreams: true)
        let events = Self.events(tasks: 1).prefix(200)
        for (i, event) in events.prefix(100).enumerated() { Self.feed(task, event, offset: Int64(i)) }
        let part = try #require(try task.partialWindows(pump: "TOP_PUMP").first)
        let combiner = try Engine(topology: try Self.topology(), captureAllStreams: true)
        try combiner.combinePartialWindow(pump: "TOP_PUMP", windowStart: part.windowStart, state: part.state)
        for (i, event) in events.suffix(100).enumerated() { Self.feed(combiner, event, offset: Int64(i)) }
        do {
            try combiner.combinePartialWindow(pump: "TOP_PUMP", windowStart: part.windowStart, state: part.state)
            Issue.record("a part was merged over records counted since the last part")
        } catch {
            #expect(error.reason.contains("while it was being combined"))
        }
    }
}

/// Corrupt or foreign partial states of the table functions are refused with a reason, never a
/// crash, and nothing of them is buffered or merged.
@Suite struct TableFunctionPartialValidationTests {
    typealias Fixture = TableFunctionCombineTests

    /// One closed partial of each pump, from a task fed the first two windows.
    static func partials() throws -> [String: [UInt8]] {
        let engine = try Engine(topology: try Fixture.topology(), captureAllStreams: true)
        for pump in Fixture.pumps { try engine.enablePartialMode(pump: pump) }
        let events = Fixture.events(tasks: 1).filter { $0.window == 0 || ($0.window == 1 && $0.t < Fixture.start + 10_100) }
        for (i, event) in events.enumerated() { Fixture.feed(engine, event, offset: Int64(i)) }
        var result: [String: [UInt8]] = [:]
        for partial in engine.drainClosedPartials() where partial.windowStart == Fixture.start { result[partial.pump] = partial.state }
        #expect(result.count == 2)
        return result
    }

    static func refusal(_ combiner: PartialCombiner, _ pump: String, _ state: [UInt8]) -> String? {
        do {
            try combiner.receive(task: 0, partial: ClosedPartialWindow(pump: pump, windowStart: Fixture.start, state: state))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func foreignAndTamperedStatesAreRefusedWithTheirReason() throws {
        let partials = try Self.partials()
        let distinct = try #require(partials["DISTINCT_PUMP"]), top = try #require(partials["TOP_PUMP"])
        let combiner = try PartialCombiner(topology: try Fixture.topology(), pumps: Fixture.pumps, taskCount: 2)
        func expectRefused(_ pump: String, _ state: [UInt8], _ reason: String) {
            let refusal = Self.refusal(combiner, pump, state)
            #expect(refusal?.contains(reason) == true, "\(pump): \(refusal ?? "accepted"), expected \(reason)")
        }
        // Layout: "EPTF", version (byte 4), function (byte 5), window size (bytes 6–13), [K (14–21)], sketch.
        var state = distinct; state[0] = UInt8(ascii: "X")
        expectRefused("DISTINCT_PUMP", state, "EPTF")
        state = distinct; state[4] = 2
        expectRefused("DISTINCT_PUMP", state, "version 2 is not supported")
        expectRefused("DISTINCT_PUMP", top, "another function")
        expectRefused("TOP_PUMP", distinct, "another function")
        state = distinct; state[7] ^= 0x01
        expectRefused("DISTINCT_PUMP", state, "window size")
        state = top; state[14] = 7
        expectRefused("TOP_PUMP", state, "top-K of 7")
        expectRefused("DISTINCT_PUMP", [], "truncated")
        expectRefused("TOP_PUMP", top + [0], "trailing")
        // A group table is not a table function's partial.
        expectRefused("DISTINCT_PUMP", Array(repeating: 0, count: 64), "EPTF")
        // The last counter's count (its last 24 bytes are count, error, arrival; as a heap leaf it may
        // grow) one more than the total weight allows: not a summary one task's inserts built.
        state = top
        try #require(state[state.count - 24] < 255)
        state[state.count - 24] += 1
        expectRefused("TOP_PUMP", state, "total weight")
        #expect(combiner.pendingPartials.isEmpty)
        // The genuine states are accepted.
        #expect(Self.refusal(combiner, "DISTINCT_PUMP", distinct) == nil)
        #expect(Self.refusal(combiner, "TOP_PUMP", top) == nil)
        #expect(combiner.pendingPartials.count == 2)
    }

    /// Every truncation and every single-byte change of a genuine state: refused or accepted, never a
    /// crash; an accepted one still combines into a window that fires.
    @Test func everyTruncationAndByteFlipIsHandled() throws {
        let partials = try Self.partials()
        let topology = try Fixture.topology()
        var refused = 0, accepted = 0
        for pump in Fixture.pumps {
            let state = try #require(partials[pump])
            var variants = (0..<state.count).map { Array(state.prefix($0)) }
            for i in 0..<state.count {
                var flipped = state
                flipped[i] ^= 0xA5
                variants.append(flipped)
            }
            for variant in variants {
                let combiner = try PartialCombiner(topology: topology, pumps: Fixture.pumps, taskCount: 1)
                if Self.refusal(combiner, pump, variant) == nil {
                    accepted += 1
                    try combiner.advance(task: 0, progress: .max)
                    let stream = pump == "TOP_PUMP" ? "TOPS" : "DISTINCTS"
                    #expect(!combiner.engine.output(named: stream)!.rows().isEmpty)
                } else {
                    refused += 1
                }
            }
        }
        #expect(refused > 0)
        #expect(refused + accepted > 0)
    }
}
