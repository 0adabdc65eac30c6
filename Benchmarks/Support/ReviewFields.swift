import Foundation

/// The fields of generated review messages that SENTIMENT and reviews.sql's RCF pump read, decoded
/// outside any timing with Foundation (an independent decoder, not the engine's): the inputs for
/// timing the analyzer and the forests alone on the same values the pipeline sees.
public struct ReviewFields {
    /// Per record: an index per product category, in order of first sight.
    public var categoryKeys: [Int] = []
    public var starRatings: [Double] = []
    public var helpfulVotes: [Double] = []
    /// Review bodies' UTF-8 bytes, packed one after another (as the engine's arena holds them).
    public var bodyBytes: [UInt8] = []
    /// `bodyOffsets[i]..<bodyOffsets[i + 1]` is record i's body.
    public var bodyOffsets: [Int] = [0]
    /// Unicode scalars per body (reviews.sql's CHAR_LENGTH feature).
    public var bodyLengths: [Double] = []
    public private(set) var categoryCount = 0

    public var count: Int { categoryKeys.count }

    /// Decodes messages `offsets[i]..<offsets[i + 1]` of `buffer` for i in `0..<count`; a message
    /// without a category or body is left out (generated reviews all have both).
    public init(_ buffer: [UInt8], _ offsets: [Int], count: Int) {
        var categories: [String: Int] = [:]
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
            categoryKeys.append(key)
            starRatings.append(number("star_rating"))
            helpfulVotes.append(number("helpful_votes"))
            bodyBytes.append(contentsOf: body.utf8)
            bodyOffsets.append(bodyBytes.count)
            bodyLengths.append(Double(body.unicodeScalars.count))
        }
        categoryCount = categories.count
    }
}
