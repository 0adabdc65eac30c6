import EddyEngine
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// The reference topology over messages of `eddy produce --generate reviews` (ReviewGenerator).
@Suite struct ReviewsPipelineTests {
    @Test func generatedReviewsDecodeWithoutErrorsAndCountsAddUp() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sql = try String(contentsOf: root.appendingPathComponent("topologies/reviews.sql"), encoding: .utf8)
        let engine = try Engine(topology: try Analyzer.analyze(text: sql, name: "reviews"))
        let source = try #require(engine.sourceIndex(named: "SOURCE_SQL_STREAM_001"))
        var generator = ReviewGenerator(seed: 7, startEventTimeMillis: 1_795_496_400_000, eventsPerSecond: 100, anomalies: nil)
        let count = 3000
        var reviewIDs = Set<String>()
        for offset in 0..<count {
            let record = generator.next()
            if let object = try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any], let id = object["review_id"] as? String {
                reviewIDs.insert(id)
            }
            record.value.withUnsafeBytes {
                engine.process(source: source, partition: 0, offset: Int64(offset), timestamp: 0, value: $0, origin: RecordOrigin(topic: "reviews"))
            }
        }
        engine.finish()
        #expect(engine.output(named: "error_stream")!.rows().map(\.value) == [])
        let averages = engine.output(named: "AVG_STAR_RATING_SQL_STREAM")!.rows()
        var total = 0
        for row in averages {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.value.utf8)) as? [String: Any])
            total += (object["REVIEW_COUNT"] as? Int) ?? 0
            let average = try #require(object["AVG_STAR_RATING"] as? Double)
            #expect((1.0...5.0).contains(average))
            #expect(row.key?.hasSuffix(String(describing: object["WINDOW_START"]!)) == true)
        }
        #expect(total + engine.statistics.lateRows == count)
        let distinct = engine.output(named: "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM")!.rows()
        // 3000 records at 100/s span 30 s: three 10-second windows, each below the exact limit.
        #expect(distinct.count == 3)
        let distinctTotal = try distinct.reduce(0) { sum, row in
            sum + ((try JSONSerialization.jsonObject(with: Data(row.value.utf8)) as? [String: Any])?["NUMBER_OF_DISTINCT_ITEMS"] as? Int ?? 0)
        }
        #expect(distinctTotal == reviewIDs.count)
    }
}
