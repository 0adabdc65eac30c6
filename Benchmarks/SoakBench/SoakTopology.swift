import Foundation

/// The soaked topology with every topic renamed under a prefix, so the soak and the throughput runs
/// share one embedded cluster without reading each other's records.
struct SoakTopology {
    let sql: String
    /// Topics of `CREATE STREAM ... WITH ('topic' = ...)`: what the producer feeds.
    let sourceTopics: [String]
    /// Every other bound topic: outputs, error and late streams.
    let outputTopics: [String]

    init(text: String, prefix: String) {
        var sql = "", sources: [String] = [], outputs: [String] = []
        // Statements end with ';' outside quotes; comments never contain topic bindings here.
        for statement in text.split(separator: ";", omittingEmptySubsequences: false) {
            var rewritten = String(statement)
            for topic in Self.topics(in: String(statement)) {
                rewritten = rewritten.replacingOccurrences(of: "'topic' = '\(topic)'", with: "'topic' = '\(prefix)\(topic)'")
                let code = statement.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: " ")
                if code.uppercased().contains("CREATE") && code.uppercased().contains("'ROWTIME'") { sources.append(prefix + topic) } else { outputs.append(prefix + topic) }
            }
            sql += rewritten + ";"
        }
        self.sql = String(sql.dropLast())
        sourceTopics = sources
        outputTopics = outputs
    }

    private static func topics(in statement: String) -> [String] {
        var found: [String] = []
        var rest = Substring(statement)
        while let range = rest.range(of: "'topic' = '") {
            let tail = rest[range.upperBound...]
            guard let end = tail.firstIndex(of: "'") else { break }
            found.append(String(tail[..<end]))
            rest = tail[end...].dropFirst()
        }
        return found
    }
}

/// How rows of reviews.sql's outputs are named (by topic suffix), for classifying repeats: windowed
/// rollups by group key and window (their text kept for examples), per-record scores by review id,
/// alerts by kind, type, key and event time (follow-ups, which carry no event time, stay unnamed).
/// Topics not listed (the bare distinct count, error and late streams) are read and counted but
/// cannot be matched with their repeats.
let reviewsNamings: [String: RowNaming] = [
    "metrics.avg_star_rating": RowNaming(fields: ["PRODUCT_CATEGORY", "WINDOW_START"], keepsText: true),
    "metrics.message_counts": RowNaming(fields: ["WINDOW_START"], keepsText: true),
    "metrics.top_products": RowNaming(fields: ["WINDOW_END", "PRODUCT_ID"], keepsText: true),
    "metrics.review_anomalies": RowNaming(fields: ["REVIEW_ID"], keepsText: false),
    "alerts.reviews": RowNaming(fields: ["kind", "type", "key", "event_time"], keepsText: true),
]
