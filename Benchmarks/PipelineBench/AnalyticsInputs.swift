import BenchmarkSupport
import CMallocCounter

/// SENTIMENT's analyzer and reviews.sql's forests alone on the same records the pipeline reads:
/// what their own benchmarks measure (SentimentBench's utf8+scratch path; SketchBench's "d=3
/// explain, keyed forests" row, `EngineBench N rcf`'s forests), here in the same process and round.
struct AnalyticsInputs {
    let fields: ReviewFields
    /// reviews.sql's RCF features per record: star rating, SENTIMENT of the body, its length.
    let forestFeatures: [[Double]]

    init(_ data: ReviewsTopic, messages: Int) throws {
        let fields = ReviewFields(data.buffer, data.offsets, count: messages)
        self.fields = fields
        guard fields.count == messages else { fail("only \(fields.count) of \(messages) generated reviews decode with Foundation") }
        let sentiment = try AnalyticsAlone.sentimentScores(fields)
        forestFeatures = (0..<messages).map { [fields.starRatings[$0], sentiment[$0], fields.bodyLengths[$0]] }
    }

    /// Thread CPU µs per record of the analyzer alone over every body.
    func sentimentMicros() throws -> Double {
        try AnalyticsAlone.sentiment(fields, runs: 2, allocations: eddy_malloc_count).seconds * 1e6 / Double(fields.count)
    }

    /// Thread CPU µs per record of one forest per category (100 trees, 256 samples, d=3, with
    /// attribution) over every record's features, in order.
    func forestMicros() throws -> Double {
        try AnalyticsAlone.forests(keys: fields.categoryKeys, features: forestFeatures, runs: 1, allocations: eddy_malloc_count).seconds * 1e6 / Double(fields.count)
    }
}
