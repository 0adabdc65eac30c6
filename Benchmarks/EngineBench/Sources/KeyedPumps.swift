import BenchmarkSupport
import EddyWorkload
import Foundation
import PythonReference

/// `EngineBench N keyed`: the per-record path of the keyed-window pumps (stagger windows, sliding
/// RANGE / ROWS frames, LAG, ANOMALY_ALERTS) and what their key eviction costs, each against an
/// anchor measured in the same run:
/// - a pump whose eviction depends on `'state_retention'` (ROWS frames, LAG, ANOMALY_ALERTS) against
///   the same query with `'state_retention' = 'never'`;
/// - stagger windows and RANGE frames, whose eviction is exact and always on, against the tumbling
///   pump over the same key and aggregates;
/// - the RANGE frames against Flink SQL's OVER window by the same key over the same records
///   (Benchmarks/reference/flink_over.py; both give identical rows, see Benchmarks/reference/README.md).
///
/// Messages are ReviewGenerator's (seed 42) at 1,000 events/s of event time, so N = 200,000 spans
/// 200 s: long enough for a 60 s retention to evict. Keys are `product_category` (a few dozen) and
/// `customer_id` (a Zipf pool of regulars plus one-off customers: most keys are seen once).
enum KeyedPumps {
    static let retention = "60 SECONDS"
    static let eventsPerSecond = 1000.0

    static func source(retention: String?) -> String {
        let option = retention.map { ", 'state_retention' = '\($0)'" } ?? ""
        return """
        CREATE STREAM "SOURCE_SQL_STREAM_001" ("customer_id" BIGINT, "product_category" VARCHAR(64), "star_rating" INTEGER,
            "helpful_votes" INTEGER, "event_time" BIGINT)
          WITH ('topic' = 'reviews', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS'\(option));

        """
    }

    /// A partition key and its SQL type.
    struct Key {
        var column: String
        var type: String
        static let customer = Key(column: "customer_id", type: "BIGINT")
        static let category = Key(column: "product_category", type: "VARCHAR(64)")
    }

    static func tumbling(_ key: Key) -> String {
        """
        CREATE STREAM "OUT" (k \(key.type), window_start TIMESTAMP, avg_star_rating DOUBLE, n BIGINT) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT"
          SELECT STREAM "\(key.column)", STEP(s.ROWTIME BY INTERVAL '10' SECOND), AVG(CAST("star_rating" AS DOUBLE)), COUNT(*)
          FROM "SOURCE_SQL_STREAM_001" AS s GROUP BY "\(key.column)", STEP(s.ROWTIME BY INTERVAL '10' SECOND);
        """
    }

    static func stagger(_ key: Key) -> String {
        """
        CREATE STREAM "OUT" (k \(key.type), window_end TIMESTAMP, avg_star_rating DOUBLE, n BIGINT) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT"
          SELECT STREAM "\(key.column)", ROWTIME, AVG(CAST("star_rating" AS DOUBLE)), COUNT(*)
          FROM "SOURCE_SQL_STREAM_001" WINDOWED BY STAGGER (PARTITION BY "\(key.column)" RANGE INTERVAL '10' SECOND);
        """
    }

    static func range(_ key: Key) -> String {
        """
        CREATE STREAM "OUT" (k \(key.type), star_rating INTEGER, avg_star_rating DOUBLE, n BIGINT) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT"
          SELECT STREAM "\(key.column)", "star_rating", AVG(CAST("star_rating" AS DOUBLE)) OVER w, COUNT(*) OVER w
          FROM "SOURCE_SQL_STREAM_001" WINDOW w AS (PARTITION BY "\(key.column)" RANGE INTERVAL '10' SECOND PRECEDING);
        """
    }

    static let rows = """
    CREATE STREAM "OUT" (k BIGINT, star_rating INTEGER, avg_star_rating DOUBLE, n BIGINT) WITH ('topic' = 'o');
    CREATE PUMP "P" AS INSERT INTO "OUT"
      SELECT STREAM "customer_id", "star_rating", AVG(CAST("star_rating" AS DOUBLE)) OVER w, COUNT(*) OVER w
      FROM "SOURCE_SQL_STREAM_001" WINDOW w AS (PARTITION BY "customer_id" ROWS 5 PRECEDING);
    """

    static let rangeWithLag = """
    CREATE STREAM "OUT" (k BIGINT, star_rating INTEGER, previous INTEGER, avg_star_rating DOUBLE) WITH ('topic' = 'o');
    CREATE PUMP "P" AS INSERT INTO "OUT"
      SELECT STREAM "customer_id", "star_rating", LAG("star_rating", 1) OVER w, AVG(CAST("star_rating" AS DOUBLE)) OVER w
      FROM "SOURCE_SQL_STREAM_001" WINDOW w AS (PARTITION BY "customer_id" RANGE INTERVAL '10' SECOND PRECEDING);
    """

    static let alerts = """
    CREATE STREAM "OUT" (k VARCHAR(64), type VARCHAR(16), suppressed BIGINT) WITH ('topic' = 'o');
    CREATE PUMP "P" AS INSERT INTO "OUT"
      SELECT STREAM ALERT_KEY, ALERT_TYPE, SUPPRESSED_COUNT
      FROM TABLE(ANOMALY_ALERTS(CURSOR(SELECT STREAM "customer_id", CAST("helpful_votes" AS DOUBLE) AS score
                                       FROM "SOURCE_SQL_STREAM_001"),
                                'SCORE', 'customer_id', 3, 60, 'WARM_UP=3, MIN_STDDEV=1'));
    """

    /// What a scenario is compared with.
    enum Anchor {
        /// The scenario of that label (measured earlier in the list).
        case scenario(String)
        /// Flink SQL's OVER window by this key (flink_over.py).
        case flink(key: String)
    }

    struct Scenario {
        var label: String
        var sql: String
        var anchors: [Anchor]
    }

    static let scenarios: [Scenario] = [
        Scenario(label: "tumbling 10 s by customer_id", sql: source(retention: retention) + tumbling(.customer), anchors: []),
        Scenario(label: "tumbling 10 s by product_category", sql: source(retention: retention) + tumbling(.category), anchors: []),
        Scenario(label: "stagger 10 s by customer_id", sql: source(retention: retention) + stagger(.customer),
                 anchors: [.scenario("tumbling 10 s by customer_id")]),
        Scenario(label: "stagger 10 s by product_category", sql: source(retention: retention) + stagger(.category),
                 anchors: [.scenario("tumbling 10 s by product_category")]),
        Scenario(label: "RANGE 10 s PRECEDING by customer_id", sql: source(retention: retention) + range(.customer),
                 anchors: [.scenario("tumbling 10 s by customer_id"), .flink(key: "customer_id")]),
        Scenario(label: "RANGE 10 s PRECEDING by product_category", sql: source(retention: retention) + range(.category),
                 anchors: [.scenario("tumbling 10 s by product_category"), .flink(key: "product_category")]),
        Scenario(label: "ROWS 5 PRECEDING by customer_id, retention never", sql: source(retention: "never") + rows, anchors: []),
        Scenario(label: "ROWS 5 PRECEDING by customer_id, retention \(retention)", sql: source(retention: retention) + rows,
                 anchors: [.scenario("ROWS 5 PRECEDING by customer_id, retention never")]),
        Scenario(label: "RANGE 10 s + LAG by customer_id, retention never", sql: source(retention: "never") + rangeWithLag, anchors: []),
        Scenario(label: "RANGE 10 s + LAG by customer_id, retention \(retention)", sql: source(retention: retention) + rangeWithLag,
                 anchors: [.scenario("RANGE 10 s + LAG by customer_id, retention never")]),
        Scenario(label: "ANOMALY_ALERTS by customer_id, retention never", sql: source(retention: "never") + alerts, anchors: []),
        Scenario(label: "ANOMALY_ALERTS by customer_id, retention \(retention)", sql: source(retention: retention) + alerts,
                 anchors: [.scenario("ANOMALY_ALERTS by customer_id, retention never")]),
    ]

    static func run(count: Int, runs: Int = 3) throws {
        let reviews = PackedReviews(count: count, seed: 42, eventsPerSecond: eventsPerSecond)
        let buffer = reviews.buffer, offsets = reviews.offsets
        print(String(format: "EngineBench keyed: %d review messages (seed 42, %.0f/s of event time: %.0f s), %d bytes each on average",
                     count, eventsPerSecond, Double(count) / eventsPerSecond, buffer.count / count))
        print("keyed  : CPU time of the engine's thread, best of \(runs) runs; state = engine.stateSizeEstimate after each quarter of the records; "
              + "evicted = engine.evictedStateKeys at the end (before finish)")

        var measured: [String: EngineTiming.Measurement] = [:]
        var flinkRates: [String: Double?] = [:]
        for scenario in scenarios {
            var best = EngineTiming.Measurement(seconds: 0, cpuSeconds: .infinity, allocations: 0, rows: 0)
            for _ in 0..<runs {
                let run = try EngineTiming.once(sql: scenario.sql, output: "OUT", buffer, offsets, count: count,
                                                label: scenario.label, stateSamples: 4)
                if run.cpuSeconds < best.cpuSeconds { best = run }
            }
            measured[scenario.label] = best
            let perRecord = best.cpuSeconds / Double(count) * 1e6
            let state = best.stateBytes.map { String(format: "%.0f", Double($0) / 1024) }.joined(separator: " → ")
            print(String(format: "keyed  : %@: %.3f µs/record CPU (%.0f records/s), %.4f allocations/record, %d output rows; state KiB %@; evicted keys %d",
                         scenario.label, perRecord, 1e6 / perRecord, Double(best.allocations) / Double(count), best.rows, state, best.evictedKeys))
            for anchor in scenario.anchors {
                switch anchor {
                case .scenario(let label):
                    guard let reference = measured[label] else { preconditionFailure("anchor \(label) is not measured before \(scenario.label)") }
                    print(String(format: "         vs %@: %.2fx its CPU per record (%+.3f µs/record)", label,
                                 best.cpuSeconds / reference.cpuSeconds, (best.cpuSeconds - reference.cpuSeconds) / Double(count) * 1e6))
                case .flink(let key):
                    if flinkRates[key] == nil { flinkRates[key] = flinkOverRate(key: key, buffer, offsets, count: count) }
                    if let rate = flinkRates[key] ?? nil {
                        print(String(format: "         vs Flink SQL OVER (PARTITION BY %@ ORDER BY rowtime RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW), "
                                     + "parallelism 1, start-up subtracted: %.0f records/s; eddy / flink = %.1fx (eddy CPU time)",
                                     key, rate, Double(count) / best.cpuSeconds / rate))
                    }
                }
            }
        }
    }

    /// Flink's records/s for the OVER window by `key` over the same messages, written to a file as
    /// JSON lines; nil with a printed reason when the reference could not run.
    static func flinkOverRate(key: String, _ buffer: [UInt8], _ offsets: [Int], count: Int) -> Double? {
        let path = NSTemporaryDirectory() + "enginebench-keyed-reviews.jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            var file = Data()
            file.reserveCapacity(buffer.count + count)
            for i in 0..<count {
                file.append(contentsOf: buffer[offsets[i]..<offsets[i + 1]])
                file.append(UInt8(ascii: "\n"))
            }
            try file.write(to: URL(fileURLWithPath: path))
            let json = try PythonReference.lastJSONObject("flink_over.py", ["--input", path, "--key", key, "--range-seconds", "10"])
            guard let rate = (json["records_per_second"] as? NSNumber)?.doubleValue else {
                print("         vs Flink SQL OVER: skipped (flink_over.py printed no records_per_second)")
                return nil
            }
            return rate
        } catch {
            print("         vs Flink SQL OVER: skipped (\(error))")
            return nil
        }
    }
}
