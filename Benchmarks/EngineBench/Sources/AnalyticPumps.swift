import CMallocCounter
import EddyEngine
import EddySQL

/// Per-record cost of the analytic pumps inside the engine (decode, cursor, function, encode), so it
/// can be set against the functions' own benchmarks (SentimentBench: sentences/s; SketchBench: RCF
/// µs/point at 100 trees × 256 samples). Each scenario runs the same messages; "added" is the cost
/// over a baseline pump that decodes and encodes the same rows without the function.
enum AnalyticPumps {
    static let source = """
    CREATE STREAM "SOURCE_SQL_STREAM_001" ("review_id" VARCHAR(24), "product_category" VARCHAR(64), "star_rating" INTEGER,
        "helpful_votes" INTEGER, "review_body" VARCHAR(8192), "event_time" BIGINT)
      WITH ('topic' = 'reviews', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS');
    """

    static let scenarios: [(label: String, records: Int, sql: String)] = [
        ("baseline (CHAR_LENGTH)", 200_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", CHAR_LENGTH("review_body") FROM "SOURCE_SQL_STREAM_001";
        """),
        ("SENTIMENT(review_body)", 200_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", SENTIMENT("review_body") FROM "SOURCE_SQL_STREAM_001";
        """),
        ("RANDOM_CUT_FOREST d=3, 100 trees, 256 samples", 30_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", ANOMALY_SCORE
          FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "review_id", CAST("star_rating" AS DOUBLE) AS r,
                     CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS l, CAST("helpful_votes" AS DOUBLE) AS h FROM "SOURCE_SQL_STREAM_001")));
        """),
        ("RANDOM_CUT_FOREST d=3, one forest per category (PARTITION_BY)", 30_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", ANOMALY_SCORE
          FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "review_id", "product_category", CAST("star_rating" AS DOUBLE) AS r,
                     CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS l, CAST("helpful_votes" AS DOUBLE) AS h FROM "SOURCE_SQL_STREAM_001"),
                     'PARTITION_BY=product_category'));
        """),
        ("RANDOM_CUT_FOREST_WITH_EXPLANATION d=3, one forest", 30_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE, e VARCHAR(2048)) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", ANOMALY_SCORE, ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM "review_id", CAST("star_rating" AS DOUBLE) AS r,
                     CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS l, CAST("helpful_votes" AS DOUBLE) AS h FROM "SOURCE_SQL_STREAM_001"),
                     100, 256, 100000, 1, true));
        """),
        ("reviews.sql RCF pump (explanation, per category, SENTIMENT feature)", 30_000, source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE, e VARCHAR(2048)) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", ANOMALY_SCORE, ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM "review_id", "product_category",
                     CAST("star_rating" AS DOUBLE) AS star_rating, SENTIMENT("review_body") AS sentiment,
                     CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS review_length FROM "SOURCE_SQL_STREAM_001"),
                     100, 256, 100000, 1, true, 'PARTITION_BY=product_category'));
        """),
    ]

    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int) throws {
        var baselinePerRecord = 0.0
        for (index, scenario) in scenarios.enumerated() {
            let n = min(scenario.records, available)
            let (best, allocations) = try EngineTiming.bestOf(runs: 2, sql: scenario.sql, buffer, offsets, count: n, label: scenario.label)
            let perRecord = best / Double(n) * 1e6
            if index == 0 { baselinePerRecord = perRecord }
            let added = index == 0 ? "" : String(format: ", added over baseline %.3f µs", perRecord - baselinePerRecord)
            print(String(format: "pump   : %@: %.3f µs/record CPU (%.0f records/s) over %d records%@; %.2f allocations/record",
                         scenario.label, perRecord, 1e6 / perRecord, n, added, Double(allocations) / Double(n)))
        }
    }
}
