import CMallocCounter
import EddyEngine
import EddySQL
import EddySketches
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

    /// The pump's features, decoded outside any timing with Foundation: (category index, values).
    static func featureRows(_ buffer: [UInt8], _ offsets: [Int], count: Int) -> (keys: [Int], values: [[Double]]) {
        var categories: [String: Int] = [:]
        var keys: [Int] = []
        var values: [[Double]] = []
        for i in 0..<count {
            let data = Data(buffer[offsets[i]..<offsets[i + 1]])
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let category = object["product_category"] as? String,
                  let body = object["review_body"] as? String else { continue }
            func number(_ name: String) -> Double {
                if let value = object[name] as? NSNumber { return value.doubleValue }
                return (object[name] as? String).flatMap(Double.init) ?? 0
            }
            let key = categories[category] ?? categories.count
            categories[category] = key
            keys.append(key)
            values.append([number("star_rating"), number("helpful_votes"), Double(body.unicodeScalars.count)])
        }
        return (keys, values)
    }

    /// Best-of-`runs` thread CPU seconds of the forests alone over the feature rows.
    static func timeForests(keys: [Int], values: [[Double]], runs: Int) throws -> (seconds: Double, allocations: UInt64) {
        let configuration = try ForestConfiguration.kda(inputDimensions: 3, numberOfTrees: 100, subSampleSize: 256)
        var best = Double.infinity
        var allocations: UInt64 = 0
        for _ in 0..<runs {
            var forests = try (0..<((keys.max() ?? 0) + 1)).map { key in
                var keyed = configuration
                keyed.seed = StableHash64.hash(UInt64(key))
                return try RandomCutForest(configuration: keyed)
            }
            var attribution = DiVector(dimensions: 3)
            var checksum = 0.0
            let startAllocations = eddy_malloc_count()
            let start = threadCPUSeconds()
            for (key, record) in zip(keys, values) {
                checksum += try record.withUnsafeBufferPointer { try forests[key].processWithAttribution($0, into: &attribution) }
            }
            let seconds = threadCPUSeconds() - start
            if seconds < best {
                best = seconds
                allocations = eddy_malloc_count() - startAllocations
            }
            precondition(checksum.isFinite)
        }
        return (best, allocations)
    }

    static func run(_ buffer: [UInt8], _ offsets: [Int], available: Int) throws {
        let n = available
        let (keys, values) = featureRows(buffer, offsets, count: n)
        precondition(keys.count == n, "every generated review decodes")
        let (forestSeconds, forestAllocations) = try timeForests(keys: keys, values: values, runs: 2)
        let forests = forestSeconds / Double(n) * 1e6
        let baseline = try EngineTiming.bestOf(runs: 2, sql: baselineSQL, buffer, offsets, count: n, label: "rcf baseline").seconds / Double(n) * 1e6
        let (pumpSeconds, pumpAllocations) = try EngineTiming.bestOf(runs: 2, sql: pumpSQL, buffer, offsets, count: n, label: "rcf pump")
        let pump = pumpSeconds / Double(n) * 1e6
        print(String(format: "rcf    : %d records, %d categories, 100 trees, 256 samples, d=3 with explanation, one forest per category", n, (keys.max() ?? 0) + 1))
        print(String(format: "rcf    : forests alone (processWithAttribution on the same values): %.2f µs/record, %.2f allocations/record",
                     forests, Double(forestAllocations) / Double(n)))
        print(String(format: "rcf    : engine pump %.2f µs/record − baseline pump %.2f µs/record = %.2f µs/record for RCF in the engine (%.2f× the forests alone); pump %.2f allocations/record (forests created on first sight of a key included)",
                     pump, baseline, pump - baseline, (pump - baseline) / forests, Double(pumpAllocations) / Double(n)))
        let complete = try ReviewsTopology.run(buffer, offsets, available: n, label: "complete", sql: try ReviewsTopology.removingPumps(calling: []))
        let withoutRCF = try ReviewsTopology.run(
            buffer, offsets, available: n, label: "without RCF pumps",
            sql: try ReviewsTopology.removingPumps(calling: ["RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION"]))
        print(String(format: "rcf    : reviews.sql complete − without RCF = %.2f µs/record (its RCF pump has SENTIMENT as a feature)",
                     1e6 / complete - 1e6 / withoutRCF))
    }
}
