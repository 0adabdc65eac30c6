import EddyEngine
import EddySQL
import EddyWorkload
import Foundation
import Testing

/// reviews.sql with every global pump in partial mode (MESSAGE_COUNTS_PUMP,
/// APPROXIMATE_DISTINCT_REVIEWS_PUMP, TOP_PRODUCTS_PUMP), three tasks fed disjoint shares of a seeded
/// review stream (by a hash of review_id), combined, against one engine fed the whole stream.
///
/// Message counts and distinct reviews (below 10,000 per window) are exact; the top products are
/// identical in every window whose distinct products fit the top-K summary (capacity 100), and
/// otherwise within Space-Saving's bound, as one engine's are.
@Suite struct ReviewsCombineTests {
    static let pumps = ["MESSAGE_COUNTS_PUMP", "APPROXIMATE_DISTINCT_REVIEWS_PUMP", "TOP_PRODUCTS_PUMP"]
    static let streams = ["MESSAGE_COUNTS_SQL_STREAM", "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM", "TOP_PRODUCTS_SQL_STREAM"]
    static let tasks = 3
    static let capacity = 100

    struct Review {
        var value: [UInt8]
        var task: Int
        var productID: String
        var eventTime: Int64
    }

    /// 60 s of reviews at `rate` per second.
    static func reviews(rate: Int, seed: UInt64) throws -> [Review] {
        let start = PartialCombinerTests.start
        var generator = ReviewGenerator(seed: seed, startEventTimeMillis: start, eventsPerSecond: Double(rate), anomalies: nil)
        var result: [Review] = []
        while true {
            let record = generator.next()
            if record.eventTimeMillis >= start + 60_000 { break }
            let object = try jsonObject(String(decoding: record.value, as: UTF8.self))
            let reviewID = try #require(object["review_id"] as? String)
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in reviewID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            result.append(Review(value: record.value, task: Int(hash % UInt64(tasks)), productID: try #require(object["product_id"] as? String),
                                 eventTime: record.eventTimeMillis))
        }
        return result
    }

    typealias Rows = [String: [(value: String, rowtime: Int64)]]

    static func rows(_ engine: Engine) -> Rows {
        var result: Rows = [:]
        for stream in streams { result[stream] = engine.output(named: stream)!.rows().map { ($0.value, $0.rowtime) } }
        return result
    }

    static func single(_ reviews: [Review]) throws -> Rows {
        let engine = try Engine(topology: try PartialCombinerTests.topology(), captureAllStreams: true)
        for (i, review) in reviews.enumerated() { PartialCombinerTests.feed(engine, review.value, partition: review.task, offset: Int64(i)) }
        engine.finish()
        #expect(engine.statistics.lateRows == 0)
        return rows(engine)
    }

    static func combined(_ reviews: [Review]) throws -> Rows {
        let topology = try PartialCombinerTests.topology()
        let combiner = try PartialCombiner(topology: topology, pumps: pumps, taskCount: tasks)
        let engines = try (0..<tasks).map { _ in try Engine(topology: topology, captureAllStreams: true) }
        for engine in engines { for pump in pumps { try engine.enablePartialMode(pump: pump) } }
        func publish(_ task: Int) throws {
            for partial in engines[task].drainClosedPartials() { try combiner.receive(task: task, partial: partial) }
            try combiner.advance(task: task, progress: engines[task].partialProgress)
        }
        var offsets = [Int64](repeating: 0, count: tasks)
        for review in reviews {
            PartialCombinerTests.feed(engines[review.task], review.value, partition: review.task, offset: offsets[review.task])
            offsets[review.task] += 1
            try publish(review.task)
        }
        for task in 0..<tasks {
            engines[task].finish()
            try publish(task)
        }
        #expect(combiner.pendingPartials.isEmpty)
        return rows(combiner.engine)
    }

    /// Windows (by end) whose distinct products exceed the top-K summary's capacity, with their true counts.
    static func windowsPastCapacity(_ reviews: [Review]) -> [Int64: [String: Int64]] {
        var perWindow: [Int64: [String: Int64]] = [:]
        for review in reviews {
            let end = (review.eventTime / 10_000 + 1) * 10_000
            perWindow[end, default: [:]][review.productID, default: 0] += 1
        }
        return perWindow.filter { $0.value.count > capacity }
    }

    static func expectSame(_ combined: Rows, _ single: Rows, reviews: [Review]) throws {
        let pastCapacity = windowsPastCapacity(reviews)
        for stream in streams {
            let c = try #require(combined[stream]), s = try #require(single[stream])
            #expect(!s.isEmpty)
            #expect(c.map(\.rowtime) == s.map(\.rowtime), "\(stream): rows or ROWTIMEs differ")
            let exact = stream != "TOP_PRODUCTS_SQL_STREAM"
            #expect(c.filter { exact || pastCapacity[$0.rowtime] == nil }.map(\.value)
                    == s.filter { exact || pastCapacity[$0.rowtime] == nil }.map(\.value), "\(stream)")
        }
        for (end, counts) in pastCapacity {
            let n = counts.values.reduce(0, +)
            let bound = n / Int64(capacity)
            for rows in [combined, single] {
                for row in try #require(rows["TOP_PRODUCTS_SQL_STREAM"]).filter({ $0.rowtime == end }) {
                    let object = try jsonObject(row.value)
                    let product = try #require(object["PRODUCT_ID"] as? String), count = Int64(try #require(object["REVIEW_COUNT"] as? Int))
                    let truth = counts[product, default: 0]
                    #expect(truth <= count && count - truth <= bound, "\(product) at \(end): reported \(count), true \(truth), bound \(bound)")
                }
            }
        }
    }

    /// 8 reviews a second: at most 80 products per window, so every window is exact, top products included.
    @Test func threeTasksGiveOneEnginesRowsForEveryGlobalPump() throws {
        let reviews = try Self.reviews(rate: 8, seed: 29)
        #expect(Set(reviews.map(\.task)) == Set(0..<Self.tasks))
        #expect(Self.windowsPastCapacity(reviews).isEmpty)
        let single = try Self.single(reviews)
        try Self.expectSame(try Self.combined(reviews), single, reviews: reviews)
        #expect(single["MESSAGE_COUNTS_SQL_STREAM"]?.count == 6)
        #expect(single["APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM"]?.count == 6)
        #expect(single["TOP_PRODUCTS_SQL_STREAM"]?.count == 60)
    }

    /// 40 reviews a second: windows with more products than the summary holds; exact columns stay exact.
    @Test func pastTheTopKCapacityCountsStayWithinTheBound() throws {
        let reviews = try Self.reviews(rate: 40, seed: 17)
        #expect(!Self.windowsPastCapacity(reviews).isEmpty)
        let single = try Self.single(reviews)
        try Self.expectSame(try Self.combined(reviews), single, reviews: reviews)
    }
}
