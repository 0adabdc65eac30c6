import BenchmarkSupport
import CMallocCounter
import Foundation

/// `EngineBench N rcf`: what RANDOM_CUT_FOREST_WITH_EXPLANATION per category costs inside the engine,
/// against the same forests fed the same feature values directly, so the operator's own overhead
/// (decode, cursor, key lookup, explanation JSON, encode) shows as the difference.
///
/// - pump: reviews.sql's RCF pump with numeric features only (star rating, helpful votes, review
///   length; no SENTIMENT, whose cost SentimentBench measures), minus a baseline pump that decodes
///   and encodes the same rows without the forest;
/// - forests: one `RandomCutForest` per category, `processWithAttribution` on the same feature
///   values, in the same order (SketchBench's "d=3 explain, 10 keyed forests" row on these records);
/// - reviews.sql complete against reviews.sql without its RCF pumps, on the same records: the
///   per-record difference is what RCF costs the whole pipeline (this one with SENTIMENT).
enum ForestPump {
    static let features = """
        CURSOR(SELECT STREAM "review_id", "product_category", CAST("star_rating" AS DOUBLE) AS star_rating,
               CAST("helpful_votes" AS DOUBLE) AS helpful_votes, CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS review_length
               FROM "SOURCE_SQL_STREAM_001")
        """

    static let baselineSQL = AnalyticPumps.source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE, e VARCHAR(2048)) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", CAST("star_rating" AS DOUBLE) + "helpful_votes" + CHAR_LENGTH("review_body"), "product_category"
          FROM "SOURCE_SQL_STREAM_001";
        """

    static let pumpSQL = AnalyticPumps.source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE, e VARCHAR(2048)) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", ANOMALY_SCORE, ANOMALY_EXPLANATION
          FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(\(features), 100, 256, 100000, 1, true, 'PARTITION_BY=product_category'));
        """

    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int) throws {
        let n = available
        let fields = ReviewFields(buffer, offsets, count: n)
        precondition(fields.count == n, "every generated review decodes")
        let features = (0..<n).map { [fields.starRatings[$0], fields.helpfulVotes[$0], fields.bodyLengths[$0]] }
        let alone = try AnalyticsAlone.forests(keys: fields.categoryKeys, features: features, runs: 2, allocations: eddy_malloc_count)
        let forestSeconds = alone.seconds, forestAllocations = alone.allocations
        let forests = forestSeconds / Double(n) * 1e6
        let baseline = try EngineTiming.bestOf(runs: 2, sql: baselineSQL, buffer, offsets, count: n, label: "rcf baseline").seconds / Double(n) * 1e6
        let (pumpSeconds, pumpAllocations) = try EngineTiming.bestOf(runs: 2, sql: pumpSQL, buffer, offsets, count: n, label: "rcf pump")
        let pump = pumpSeconds / Double(n) * 1e6
        print(String(format: "rcf    : %d records, %d categories, 100 trees, 256 samples, d=3 with explanation, one forest per category", n, fields.categoryCount))
        print(String(format: "rcf    : forests alone (processWithAttribution on the same values): %.2f µs/record, %.2f allocations/record",
                     forests, Double(forestAllocations) / Double(n)))
        print(String(format: "rcf    : engine pump %.2f µs/record − baseline pump %.2f µs/record = %.2f µs/record for RCF in the engine (%.2f× the forests alone); pump %.2f allocations/record (forests created on first sight of a key included)",
                     pump, baseline, pump - baseline, (pump - baseline) / forests, Double(pumpAllocations) / Double(n)))
        let complete = try ReviewsTopology.run(buffer, offsets, available: n, label: "complete", sql: try ReviewsSQL.text())
        let withoutRCF = try ReviewsTopology.run(
            buffer, offsets, available: n, label: "without RCF pumps",
            sql: ReviewsSQL.removingPumps(calling: ReviewsSQL.forestFunctions, from: try ReviewsSQL.text()))
        print(String(format: "rcf    : reviews.sql complete − without RCF = %.2f µs/record (its RCF pump has SENTIMENT as a feature)",
                     1e6 / complete - 1e6 / withoutRCF))
    }
}
