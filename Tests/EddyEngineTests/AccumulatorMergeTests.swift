@testable import EddyEngine
import EddySQL
import Foundation
import Testing

/// Combining partial aggregates (DESIGN-6, global aggregates): two tasks each aggregate one
/// partition's records; folding one task's open windows into the other's gives what one task fed
/// every record emits (integers and strings exactly, floating point within 1e-9 relative).
@Suite struct AccumulatorMergeTests {
    static let sql = """
    CREATE STREAM "EVENTS" ("user" VARCHAR(16), "item" VARCHAR(16), "v" DOUBLE, "n" BIGINT, "t" BIGINT)
    WITH ('topic' = 'events', 'rowtime' = 't');
    CREATE STREAM AGG (u VARCHAR(16), c BIGINT, cn BIGINT, sn BIGINT, sv DOUBLE, av DOUBLE, mn VARCHAR(16), mx VARCHAR(16),
                       mnv DOUBLE, sd DOUBLE, vp DOUBLE, ad BIGINT, adn BIGINT);
    CREATE PUMP AGG_PUMP AS INSERT INTO AGG
      SELECT STREAM "user", COUNT(*), COUNT("n"), SUM("n"), SUM("v"), AVG("v"), MIN("item"), MAX("item"), MIN("v"),
                    STDDEV_SAMP("v"), VAR_POP("v"), APPROX_COUNT_DISTINCT("item"), APPROX_COUNT_DISTINCT("n")
      FROM "EVENTS" AS e GROUP BY "user", STEP(e.ROWTIME BY INTERVAL '60' SECOND);
    """

    static func engine(_ sql: String = sql) throws -> Engine {
        try Engine(topology: try Analyzer.analyze(text: sql, name: "merge"), captureAllStreams: true)
    }

    static func feed(_ engine: Engine, _ records: [SnapshotFeedRecord]) {
        let source = engine.sourceIndex(named: "EVENTS")!
        for record in records {
            record.value.withUnsafeBytes {
                engine.process(source: source, partition: record.partition, offset: record.offset, timestamp: 0, value: $0,
                               origin: RecordOrigin(topic: "events"))
            }
        }
    }

    /// Folds `partial`'s open windows into `into`'s, then fires `into`.
    static func combine(_ partial: Engine, into total: Engine) throws {
        let target = try #require(total.orderedOperators.first as? TumblingOperator)
        let source = try #require(partial.orderedOperators.first as? TumblingOperator)
        for (start, table) in source.windows.sorted(by: { $0.key < $1.key }) {
            if let existing = target.windows[start] {
                try existing.merge(table, accumulators: target.accumulators)
            } else {
                let fresh = GroupTable(stateWords: target.accumulators.stateWords)
                try fresh.merge(table, accumulators: target.accumulators)
                target.windows[start] = fresh
                target.oldestStart = min(target.oldestStart, start)
            }
        }
    }

    /// Runs `records` through one engine and, split by partition, through two task engines, combines
    /// task 1's partial windows into task 0's, and finishes both: the single engine's rows and the
    /// combined ones, which must agree.
    static func singleAndCombinedRows(_ records: [SnapshotFeedRecord], sql: String = sql) throws
        -> (single: [(key: String?, value: [String: Any])], combined: [(key: String?, value: [String: Any])]) {
        let single = try engine(sql), task0 = try engine(sql), task1 = try engine(sql)
        feed(single, records)
        feed(task0, records.filter { $0.partition == 0 })
        feed(task1, records.filter { $0.partition == 1 })
        try combine(task1, into: task0)
        single.finish()
        task0.finish()
        return (try rows(single), try rows(task0))
    }

    static func rows(_ engine: Engine) throws -> [(key: String?, value: [String: Any])] {
        try engine.output(named: "AGG")!.rows().map { row in
            (row.key, try #require(try JSONSerialization.jsonObject(with: Data(row.value.utf8)) as? [String: Any]))
        }
    }

    static func expectSame(_ combined: [(key: String?, value: [String: Any])], _ single: [(key: String?, value: [String: Any])],
                           approximate: Set<String> = []) {
        #expect(combined.map(\.key) == single.map(\.key))
        for (c, s) in zip(combined, single) {
            #expect(Set(c.value.keys) == Set(s.value.keys))
            for (column, expected) in s.value {
                let actual = c.value[column]
                if let e = expected as? Double, let a = actual as? Double, !(expected is Int) || approximate.contains(column) {
                    let tolerance = approximate.contains(column) ? 0.03 : 1e-9
                    #expect(abs(a - e) <= tolerance * max(1, abs(e)), "\(column) of \(c.key ?? "-"): \(a) vs \(e)")
                } else {
                    #expect(String(describing: actual ?? "nil") == String(describing: expected), "\(column) of \(c.key ?? "-")")
                }
            }
        }
    }

    @Test func twoTasksPartialWindowsCombineIntoTheSingleTaskResult() throws {
        let records = SnapshotInputs.coverage(count: 1500, stepMillis: 30)
        let (expected, combined) = try Self.singleAndCombinedRows(records)
        #expect(expected.count >= 5)
        Self.expectSame(combined, expected)
    }

    /// Past 10,000 distinct items the union becomes a HyperLogLog merge: within its error, not exact.
    @Test func distinctCountsCombineAcrossTheExactLimit() throws {
        let sql = """
        CREATE STREAM "EVENTS" ("user" VARCHAR(16), "item" VARCHAR(16), "v" DOUBLE, "n" BIGINT, "t" BIGINT)
        WITH ('topic' = 'events', 'rowtime' = 't');
        CREATE STREAM AGG (c BIGINT, ad BIGINT, sn BIGINT);
        CREATE PUMP AGG_PUMP AS INSERT INTO AGG
          SELECT STREAM COUNT(*), APPROX_COUNT_DISTINCT("item"), SUM("n") FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '60' SECOND);
        """
        // Each task sees 6,000 distinct items (exact); their union of 12,000 is past the limit.
        let records = SnapshotInputs.coverage(count: 12_000, stepMillis: 4)
        let (single, combined) = try Self.singleAndCombinedRows(records, sql: sql)
        Self.expectSame(combined, single, approximate: ["AD"])
        #expect(combined.count == 1)
        #expect(combined.first?.value["C"] as? Int == 12_000)
        let estimate = try #require(combined.first?.value["AD"] as? Int)
        let singleEstimate = try #require(single.first?.value["AD"] as? Int)
        #expect(estimate != 12_000 && abs(estimate - 12_000) < 360, "a HyperLogLog estimate within 3 %: \(estimate), one task's \(singleEstimate)")
    }

    /// The public path: each task exports its open windows as bytes, a combiner engine folds them in.
    @Test func aCombinerEngineFoldsEveryTasksPartialWindows() throws {
        let records = SnapshotInputs.coverage(count: 1500, stepMillis: 30)
        let single = try Self.engine(), combiner = try Self.engine()
        Self.feed(single, records)
        single.finish()
        for partition in [Int32(0), 1] {
            let task = try Self.engine()
            Self.feed(task, records.filter { $0.partition == partition })
            let partials = try task.partialWindows(pump: "AGG_PUMP")
            #expect(partials.count == 1)
            for partial in partials {
                try combiner.combinePartialWindow(pump: "AGG_PUMP", windowStart: partial.windowStart, state: partial.state)
            }
        }
        combiner.finish()
        Self.expectSame(try Self.rows(combiner), try Self.rows(single))

        let task = try Self.engine()
        Self.feed(task, records.prefix(40).map { $0 })
        let partial = try #require(try task.partialWindows(pump: "AGG_PUMP").first)
        let fresh = try Self.engine()
        #expect(throws: AccumulatorMergeError(reason: "no pump NOPE")) { try fresh.partialWindows(pump: "NOPE") }
        #expect(throws: AccumulatorMergeError.self) {
            try fresh.combinePartialWindow(pump: "AGG_PUMP", windowStart: partial.windowStart, state: Array(partial.state.dropLast()))
        }
        #expect(throws: AccumulatorMergeError.self) {
            try fresh.combinePartialWindow(pump: "AGG_PUMP", windowStart: partial.windowStart + 1, state: partial.state)
        }
        Self.feed(fresh, records)
        fresh.finish()
        #expect(throws: AccumulatorMergeError.self) {
            try fresh.combinePartialWindow(pump: "AGG_PUMP", windowStart: partial.windowStart, state: partial.state)
        }
    }

    @Test func orderDependentAggregatesRefuseToCombine() throws {
        let sql = """
        CREATE STREAM "EVENTS" ("user" VARCHAR(16), "item" VARCHAR(16), "v" DOUBLE, "n" BIGINT, "t" BIGINT)
        WITH ('topic' = 'events', 'rowtime' = 't');
        CREATE STREAM FIRSTS (u VARCHAR(16), f VARCHAR(16));
        CREATE PUMP FIRSTS_PUMP AS INSERT INTO FIRSTS
          SELECT STREAM "user", FIRST_VALUE("item") FROM "EVENTS" AS e GROUP BY "user", STEP(e.ROWTIME BY INTERVAL '60' SECOND);
        """
        let records = SnapshotInputs.coverage(count: 20, stepMillis: 30)
        let task0 = try Self.engine(sql), task1 = try Self.engine(sql)
        Self.feed(task0, records.filter { $0.partition == 0 })
        Self.feed(task1, records.filter { $0.partition == 1 })
        #expect(throws: AccumulatorMergeError.self) { try Self.combine(task1, into: task0) }
        do {
            try Self.combine(task1, into: task0)
        } catch {
            #expect(String(describing: error).contains("FIRST_VALUE depends on the order of rows"))
        }
    }
}
