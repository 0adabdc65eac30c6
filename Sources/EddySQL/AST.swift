public import EddyCore

/// Units of INTERVAL literals and FLOOR(... TO unit).
public enum TimeUnit: String, Sendable, CaseIterable {
    case millisecond = "MILLISECOND", second = "SECOND", minute = "MINUTE", hour = "HOUR", day = "DAY"

    public var millis: Int64 {
        switch self {
        case .millisecond: 1
        case .second: 1000
        case .minute: 60_000
        case .hour: 3_600_000
        case .day: 86_400_000
        }
    }

    /// Accepts singular and plural spellings (`SECOND`, `SECONDS`).
    public init?(word: String) {
        let upper = word.uppercased()
        let singular = upper.hasSuffix("S") ? String(upper.dropLast()) : upper
        self.init(rawValue: singular)
    }
}

/// An expression as written, with its position.
public struct Expr: Sendable {
    public var kind: Kind
    public var location: SourceLocation

    public indirect enum Kind: Sendable {
        case column(qualifier: String?, name: String)
        case integer(Int64)
        case decimal(Double)
        case string(String)
        case boolean(Bool)
        case null
        case interval(Int64, TimeUnit)
        case negate(Expr)
        case not(Expr)
        case binary(String, Expr, Expr)
        case function(name: String, args: [Expr], star: Bool, over: WindowReference?)
        case caseWhen(operand: Expr?, branches: [WhenBranch], otherwise: Expr?)
        case cast(Expr, SQLType)
        case isNull(Expr, negated: Bool)
        case like(Expr, Expr, negated: Bool)
        case inList(Expr, [Expr], negated: Bool)
        case between(Expr, Expr, Expr, negated: Bool)
        case floorTo(Expr, TimeUnit)
        case ceilTo(Expr, TimeUnit)
        case step(Expr, Expr)
        case position(Expr, Expr)
        case substring(Expr, Expr, Expr?)
        case trim(side: String, chars: Expr?, Expr)
    }

    /// A canonical text used to match SELECT expressions against GROUP BY expressions.
    public var canonical: String {
        switch kind {
        case .column(_, let n): return n
        case .integer(let v): return "\(v)"
        case .decimal(let v): return "\(v)"
        case .string(let s): return "'\(s)'"
        case .boolean(let b): return "\(b)"
        case .null: return "NULL"
        case .interval(let n, let u): return "INTERVAL \(n) \(u.rawValue)"
        case .negate(let e): return "-(\(e.canonical))"
        case .not(let e): return "NOT(\(e.canonical))"
        case .binary(let op, let l, let r): return "(\(l.canonical) \(op) \(r.canonical))"
        case .function(let name, let args, let star, _): return "\(name)(\(star ? "*" : args.map(\.canonical).joined(separator: ",")))"
        case .caseWhen(let o, let b, let e):
            return "CASE \(o?.canonical ?? "") " + b.map { "WHEN \($0.condition.canonical) THEN \($0.result.canonical)" }.joined(separator: " ") + " ELSE \(e?.canonical ?? "")"
        case .cast(let e, let t): return "CAST(\(e.canonical) AS \(t))"
        case .isNull(let e, let n): return "\(e.canonical) IS \(n ? "NOT " : "")NULL"
        case .like(let a, let b, let n): return "\(a.canonical) \(n ? "NOT " : "")LIKE \(b.canonical)"
        case .inList(let a, let l, let n): return "\(a.canonical) \(n ? "NOT " : "")IN(\(l.map(\.canonical).joined(separator: ",")))"
        case .between(let a, let b, let c, let n): return "\(a.canonical) \(n ? "NOT " : "")BETWEEN \(b.canonical) AND \(c.canonical)"
        case .floorTo(let e, let u): return "FLOOR(\(e.canonical) TO \(u.rawValue))"
        case .ceilTo(let e, let u): return "CEIL(\(e.canonical) TO \(u.rawValue))"
        case .step(let e, let i): return "STEP(\(e.canonical) BY \(i.canonical))"
        case .position(let a, let b): return "POSITION(\(a.canonical) IN \(b.canonical))"
        case .substring(let a, let b, let c): return "SUBSTRING(\(a.canonical),\(b.canonical),\(c?.canonical ?? ""))"
        case .trim(let s, let c, let e): return "TRIM(\(s) \(c?.canonical ?? "") FROM \(e.canonical))"
        }
    }
}

public struct WhenBranch: Sendable {
    public var condition: Expr
    public var result: Expr
}

/// `OVER w` or `OVER (...)`.
public enum WindowReference: Sendable {
    case named(String, SourceLocation)
    case inline(WindowSpec)
}

/// `PARTITION BY ... RANGE INTERVAL 'n' unit PRECEDING` or `ROWS n PRECEDING`.
public struct WindowSpec: Sendable {
    public enum Frame: Sendable { case range(millis: Int64), rows(Int) }
    public var partitionBy: [Expr]
    public var frame: Frame
    public var location: SourceLocation
}

/// `WINDOWED BY STAGGER (PARTITION BY ... RANGE INTERVAL 'n' unit)`.
public struct StaggerSpec: Sendable {
    public var partitionBy: [Expr]
    public var rangeMillis: Int64
    public var location: SourceLocation
}

public struct SelectItem: Sendable {
    public var expr: Expr
    public var alias: String?
}

public enum TableFunctionArgument: Sendable {
    case cursor(SelectQuery, SourceLocation)
    case value(Expr)
}

public enum FromClause: Sendable {
    case stream(name: String, alias: String?, location: SourceLocation)
    case tableFunction(name: String, arguments: [TableFunctionArgument], alias: String?, location: SourceLocation)
}

/// `SELECT STREAM ...`.
public final class SelectQuery: Sendable {
    public let items: [SelectItem]
    public let star: Bool
    public let from: FromClause
    public let whereClause: Expr?
    public let groupBy: [Expr]
    public let having: Expr?
    public let windows: [(name: String, spec: WindowSpec)]
    public let stagger: StaggerSpec?
    public let location: SourceLocation

    init(items: [SelectItem], star: Bool, from: FromClause, whereClause: Expr?, groupBy: [Expr], having: Expr?,
         windows: [(name: String, spec: WindowSpec)], stagger: StaggerSpec?, location: SourceLocation) {
        self.items = items; self.star = star; self.from = from; self.whereClause = whereClause
        self.groupBy = groupBy; self.having = having; self.windows = windows; self.stagger = stagger
        self.location = location
    }
}

public struct ColumnDefinition: Sendable {
    public var name: String
    public var spelling: String
    public var type: SQLType
    public var path: String?
    public var location: SourceLocation
}

public struct OptionDefinition: Sendable {
    public var key: String
    public var value: String
    public var location: SourceLocation
}

public enum Statement: Sendable {
    case createStream(name: String, columns: [ColumnDefinition], options: [OptionDefinition], location: SourceLocation)
    case createPump(name: String, target: String, targetColumns: [(String, SourceLocation)]?, query: SelectQuery, location: SourceLocation)
    case alterStream(name: String, options: [OptionDefinition], location: SourceLocation)
}
