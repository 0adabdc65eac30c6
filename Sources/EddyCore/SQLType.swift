/// A column type of the KDA dialect.
///
/// Every type maps onto one 8-byte slot at run time (see `ValueKind`), so a row is a fixed-layout
/// array of slots and never an array of enums with payloads.
public enum SQLType: Hashable, Sendable, CustomStringConvertible {
    case varchar(Int)
    case char(Int)
    case boolean
    case tinyint
    case smallint
    case integer
    case bigint
    case real
    case double
    /// Stored as a `Double`; `precision - scale` bounds the integer digits (overflow check), `scale`
    /// drives output formatting.
    case decimal(precision: Int, scale: Int)
    /// Days since 1970-01-01.
    case date
    /// Milliseconds since the Unix epoch, UTC.
    case timestamp

    /// How the slot's 64 bits are interpreted.
    public var kind: ValueKind {
        switch self {
        case .varchar, .char: .string
        case .boolean: .boolean
        case .tinyint, .smallint, .integer, .bigint: .integer
        case .real, .double, .decimal: .double
        case .date: .date
        case .timestamp: .timestamp
        }
    }

    /// The representable range of an integer type, used for overflow checks.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .tinyint: -128...127
        case .smallint: -32768...32767
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .bigint: Int64.min...Int64.max
        default: nil
        }
    }

    /// Maximum length in characters for VARCHAR/CHAR.
    public var maxLength: Int? {
        switch self {
        case .varchar(let n), .char(let n): n
        default: nil
        }
    }

    public var isNumeric: Bool { kind == .integer || kind == .double }
    public var isString: Bool { kind == .string }

    public var description: String {
        switch self {
        case .varchar(let n): "VARCHAR(\(n))"
        case .char(let n): "CHAR(\(n))"
        case .boolean: "BOOLEAN"
        case .tinyint: "TINYINT"
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .real: "REAL"
        case .double: "DOUBLE"
        case .decimal(let p, let s): "DECIMAL(\(p),\(s))"
        case .date: "DATE"
        case .timestamp: "TIMESTAMP"
        }
    }
}

/// The physical interpretation of a slot.
public enum ValueKind: UInt8, Sendable {
    /// 0 or 1.
    case boolean
    /// `Int64` bit pattern.
    case integer
    /// `Double` bit pattern.
    case double
    /// `StringRef` into the frame's arena.
    case string
    /// Epoch milliseconds as `Int64`.
    case timestamp
    /// Days since epoch as `Int64`.
    case date
}

/// A column of a stream schema.
public struct Column: Sendable, Hashable {
    /// The SQL name after KDA folding (unquoted names upper-cased). Used for output JSON keys.
    public var name: String
    public var type: SQLType
    /// Path segments read from a JSON message (`$.a.b` → ["a", "b"]). Defaults to the column's
    /// spelling as written in its declaration.
    public var path: [String]

    public init(name: String, type: SQLType, path: [String]) {
        self.name = name
        self.type = type
        self.path = path
    }
}

/// The ordered columns of a stream.
public struct Schema: Sendable, Hashable {
    public var columns: [Column]
    public init(_ columns: [Column]) { self.columns = columns }
    public var count: Int { columns.count }
    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
