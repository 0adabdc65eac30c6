import Foundation

/// topologies/reviews.sql and the variants the benchmarks set against it, so that the engine-only
/// (EngineBench) and end-to-end (PipelineBench) figures measure the same texts.
public enum ReviewsSQL {
    /// The table functions of the per-record RCF pump.
    public static let forestFunctions = ["RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION"]

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The text of topologies/reviews.sql, found from this source file.
    public static func text() throws -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("topologies/reviews.sql").path
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch { throw Missing(description: "cannot read \(path): \(error)") }
    }

    /// `sql` without the pumps that call any of `functions` (their target streams stay, empty;
    /// pumps reading those streams then get no rows).
    public static func removingPumps(calling functions: [String], from sql: String) -> String {
        sql.split(separator: ";", omittingEmptySubsequences: false).filter { statement in
            let upper = statement.uppercased()
            return !(upper.contains("CREATE OR REPLACE PUMP") && functions.contains { upper.contains($0 + "(") })
        }.joined(separator: ";")
    }

    /// `sql` with every `SENTIMENT("column")` call replaced by a cheap DOUBLE of the same text
    /// (`0.0 * CHAR_LENGTH("column")`). Dropping the pumps that call SENTIMENT instead would drop
    /// AVG_STAR_RATING's pump (it averages SENTIMENT) with its other aggregates.
    public static func replacingSentiment(in sql: String) -> String {
        sql.replacing(/SENTIMENT\(("[^"]*")\)/) { match in "(0.0 * CHAR_LENGTH(\(match.output.1)))" }
    }

    /// reviews.sql complete, without its RCF pump, and without RCF with SENTIMENT replaced: the
    /// three ways issue 5 asks the pipeline to be measured. A variant identical to the one before
    /// it (reviews.sql without such a pump) is left out.
    public static func variants() throws -> [(name: String, sql: String)] {
        let complete = try text()
        var variants = [(name: "complete", sql: complete)]
        let withoutRCF = removingPumps(calling: forestFunctions, from: complete)
        if withoutRCF != complete { variants.append((name: "without RCF", sql: withoutRCF)) }
        let withoutBoth = replacingSentiment(in: withoutRCF)
        if withoutBoth != withoutRCF { variants.append((name: "without RCF and SENTIMENT", sql: withoutBoth)) }
        return variants
    }
}
