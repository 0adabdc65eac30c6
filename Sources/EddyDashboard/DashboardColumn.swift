/// One column of a stream shown on the dashboard. The page charts every numeric column, groups rows
/// into one line per value of the stream's key (its first text column unless named), and uses the
/// first timestamp column as the x axis (the publication time when there is none).
public struct DashboardColumn: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case numeric
        case text
        case timestamp
    }

    public let name: String
    public let kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// One value of a published row, positionally matching the stream's declared columns.
public enum DashboardValue: Hashable, Sendable, CustomStringConvertible {
    case number(Double)
    case integer(Int64)
    case text(String)
    /// Milliseconds since the Unix epoch.
    case timestamp(millisecondsSinceEpoch: Int64)
    case null

    func fits(_ kind: DashboardColumn.Kind) -> Bool {
        switch (self, kind) {
        case (.null, _), (.number, .numeric), (.integer, .numeric), (.text, .text), (.timestamp, .timestamp),
            (.integer, .timestamp):
            true
        default:
            false
        }
    }

    public var description: String {
        switch self {
        case .number(let value): "number \(value)"
        case .integer(let value): "integer \(value)"
        case .text(let value): "text \"\(value)\""
        case .timestamp(let millis): "timestamp \(millis) ms"
        case .null: "null"
        }
    }
}
