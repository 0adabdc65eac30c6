import BenchmarkSupport
import CMallocCounter
import EddySentiment
import Foundation

/// `EngineBench N sentiment`: what SENTIMENT costs inside the engine, against the analyzer alone
/// (`SentimentScorer.compound(utf8:scratch:)`, SentimentBench's "eddy utf8+scratch" path) on the
/// same review bodies in the same run, so the engine's own overhead around the call (decode,
/// evaluator chain, aggregate, encode) shows as the ratio.
///
/// - projection: `SELECT STREAM "review_id", SENTIMENT("review_body")` minus a baseline pump that
///   decodes and encodes the same rows with `CHAR_LENGTH(...) / 7.0` instead;
/// - aggregate: reviews.sql's `AVG(SENTIMENT("review_body"))` per category and 10-second window,
///   minus the same aggregate over `CHAR_LENGTH(...) / 7.0`;
/// - two pumps on the same record (reviews.sql has `AVG(SENTIMENT(...))` and the RCF cursor's
///   `SENTIMENT(...)`): with the per-record memo both together cost one analyzer call, not two;
/// - reviews.sql without RCF, SENTIMENT real against replaced, as PipelineBench's two variants.
enum SentimentPump {
    /// The baseline's stand-in for SENTIMENT: a DOUBLE of the same text with as many significant
    /// digits as a compound score, so encoding the output costs the same (an integral DOUBLE such
    /// as `83.0` prints much faster than `0.5591634…`, which charged encoding to SENTIMENT).
    static let cheapDouble = "CAST(CHAR_LENGTH(\"review_body\") AS DOUBLE) / 7.0"

    static let baselineSQL = AnalyticPumps.source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", \(cheapDouble) FROM "SOURCE_SQL_STREAM_001";
        """

    static let pumpSQL = AnalyticPumps.source + """
        CREATE STREAM "OUT" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "review_id", SENTIMENT("review_body") FROM "SOURCE_SQL_STREAM_001";
        """

    static func aggregateSQL(_ argument: String) -> String {
        AnalyticPumps.source + """
        CREATE STREAM "OUT" (product_category VARCHAR(64), window_start TIMESTAMP, v DOUBLE) WITH ('topic' = 'o');
        CREATE PUMP "P" AS INSERT INTO "OUT"
          SELECT STREAM "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND), AVG(\(argument))
          FROM "SOURCE_SQL_STREAM_001" AS s GROUP BY "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND);
        """
    }

    /// The aggregate plus a projection calling SENTIMENT on the same column: reviews.sql's two calls.
    static func twoPumpsSQL(_ argument: String) -> String {
        aggregateSQL(argument) + """
        CREATE STREAM "SECOND" (review_id VARCHAR(24), v DOUBLE) WITH ('topic' = 's');
        CREATE PUMP "Q" AS INSERT INTO "SECOND" SELECT STREAM "review_id", \(argument) FROM "SOURCE_SQL_STREAM_001";
        """
    }

    /// Engine CPU µs/record of `sql` minus `baseline`, over the first `count` messages.
    static func added(_ sql: String, over baseline: String, _ buffer: [UInt8], _ offsets: [Int], count: Int, label: String) throws -> (added: Double, pump: Double, allocations: Double) {
        let base = try EngineTiming.bestOf(runs: 3, sql: baseline, buffer, offsets, count: count, label: label + " baseline")
        let pump = try EngineTiming.bestOf(runs: 3, sql: sql, buffer, offsets, count: count, label: label)
        let perRecord = { (seconds: Double) in seconds / Double(count) * 1e6 }
        return (perRecord(pump.seconds) - perRecord(base.seconds), perRecord(pump.seconds), Double(pump.allocations) / Double(count))
    }

    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int) throws {
        let n = min(available, 100_000)
        let fields = ReviewFields(buffer, offsets, count: n)
        precondition(fields.count == n, "every generated review has a category and a review_body")
        let alone = try AnalyticsAlone.sentiment(fields, runs: 3, allocations: eddy_malloc_count)
        let analyzer = alone.seconds / Double(n) * 1e6
        print(String(format: "sentiment: %d review bodies, %d bytes on average; analyzer alone (compound(utf8:scratch:)): %.3f µs/record, %.2f allocations/record, mean compound %.5f",
                     n, fields.bodyBytes.count / n, analyzer, Double(alone.allocations) / Double(n), alone.sum / Double(n)))
        let projection = try added(pumpSQL, over: baselineSQL, buffer, offsets, count: n, label: "sentiment projection")
        print(String(format: "sentiment: projection pump %.3f µs/record, %.3f added over CHAR_LENGTH / 7.0 = %.2f× the analyzer alone; %.2f allocations/record",
                     projection.pump, projection.added, projection.added / analyzer, projection.allocations))
        let aggregate = try added(aggregateSQL("SENTIMENT(\"review_body\")"), over: aggregateSQL(cheapDouble),
                                  buffer, offsets, count: n, label: "sentiment aggregate")
        print(String(format: "sentiment: AVG(SENTIMENT) per category and window %.3f µs/record, %.3f added over AVG(CHAR_LENGTH / 7.0) = %.2f× the analyzer alone; %.2f allocations/record",
                     aggregate.pump, aggregate.added, aggregate.added / analyzer, aggregate.allocations))
        let twice = try added(twoPumpsSQL("SENTIMENT(\"review_body\")"), over: twoPumpsSQL(cheapDouble),
                              buffer, offsets, count: n, label: "sentiment in two pumps")
        print(String(format: "sentiment: two pumps calling SENTIMENT on each record (as reviews.sql) %.3f added = %.2f× one analyzer call",
                     twice.added, twice.added / analyzer))
        let withoutRCF = ReviewsSQL.removingPumps(calling: ReviewsSQL.forestFunctions, from: try ReviewsSQL.text())
        let real = try ReviewsTopology.run(buffer, offsets, available: n, label: "without RCF", sql: withoutRCF)
        let replaced = try ReviewsTopology.run(buffer, offsets, available: n, label: "without RCF and SENTIMENT", sql: ReviewsSQL.replacingSentiment(in: withoutRCF))
        let inTopology = 1e6 / real - 1e6 / replaced
        print(String(format: "sentiment: reviews.sql without RCF − without RCF and SENTIMENT = %.3f µs/record = %.2f× the analyzer alone",
                     inTopology, inTopology / analyzer))
        // The same analyzer call, made beside the engine (no evaluator, memo or arena) right after it
        // processed each record: what SENTIMENT costs in the cache state the topology's other pumps
        // leave. Equal to the in-topology figure, the extra is that state, not the call path.
        let scorer = try SentimentScorer.shared()
        let scratch = SentimentScratch()
        var sum = 0.0
        let beside = try fields.bodyBytes.withUnsafeBytes { bodies in
            try ReviewsTopology.run(buffer, offsets, available: n, label: "without RCF and SENTIMENT, the analyzer called beside each record",
                                    sql: ReviewsSQL.replacingSentiment(in: withoutRCF)) { i in
                let text = UnsafeRawBufferPointer(rebasing: bodies[fields.bodyOffsets[i]..<fields.bodyOffsets[i + 1]])
                if let score = try? scorer.compound(utf8: text, scratch: scratch) { sum += score }
            }
        }
        precondition(sum.isFinite)
        let besideCost = 1e6 / beside - 1e6 / replaced
        print(String(format: "sentiment: the analyzer beside the engine running reviews.sql without RCF and SENTIMENT adds %.3f µs/record = %.2f× the analyzer alone (in the topology: %.2f×)",
                     besideCost, besideCost / analyzer, inTopology / analyzer))
    }
}
