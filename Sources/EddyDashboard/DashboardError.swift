/// Why the hub refused a declaration or a publication. The pipeline logs it or routes it to its error
/// stream: a row the dashboard cannot show is reported, never dropped without a word.
public struct DashboardError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func unknownStream(_ name: String) -> DashboardError {
        DashboardError("stream '\(name)' was not declared; call declareStream(name:columns:) before publishing")
    }

    static func streamRedeclared(_ name: String) -> DashboardError {
        DashboardError("stream '\(name)' is already declared with other columns")
    }

    static func noColumns(_ name: String) -> DashboardError {
        DashboardError("stream '\(name)' needs at least one column")
    }

    static func duplicateColumn(_ column: String, stream: String) -> DashboardError {
        DashboardError("stream '\(stream)' declares column '\(column)' twice")
    }

    static func unknownKeyColumn(_ column: String, stream: String) -> DashboardError {
        DashboardError("key column '\(column)' is not a text column of stream '\(stream)'")
    }

    static func valueCount(stream: String, expected: Int, got: Int) -> DashboardError {
        DashboardError("stream '\(stream)' has \(expected) columns but the row has \(got) values")
    }

    static func valueKind(stream: String, column: String, expected: DashboardColumn.Kind, got: DashboardValue) -> DashboardError {
        DashboardError("column '\(column)' of stream '\(stream)' is \(expected.rawValue) but the row holds \(got)")
    }

    static func invalidAlert(_ reason: String) -> DashboardError {
        DashboardError("alert is not a JSON object: \(reason)")
    }

    static func invalidAddress(_ text: String, _ reason: String) -> DashboardError {
        DashboardError("dashboard address '\(text)' is not HOST:PORT: \(reason)")
    }
}
