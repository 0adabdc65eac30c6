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

/// The JSON fields naming a row of reviews.sql's windowed and per-record outputs (by topic suffix),
/// for counting repeats; streams without such fields (a bare distinct count, alerts) are not counted.
let reviewsIdentities: [String: [String]] = [
    "metrics.avg_star_rating": ["PRODUCT_CATEGORY", "WINDOW_START"],
    "metrics.message_counts": ["WINDOW_START"],
    "metrics.top_products": ["WINDOW_END", "PRODUCT_ID"],
    "metrics.review_anomalies": ["REVIEW_ID"],
]
