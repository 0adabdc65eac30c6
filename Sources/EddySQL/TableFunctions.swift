public import EddyCore

/// The signature of a table function: what its arguments after the cursor must be, and the columns
/// it returns. The engine implements the functions registered here; analysis checks calls against it.
public struct TableFunctionSignature: Sendable {
    public enum Parameter: Sendable {
        /// A string literal naming a column of the cursor.
        case columnName(String)
        /// An integer literal, with its allowed range.
        case integer(String, ClosedRange<Int64>)
    }

    public var name: String
    public var parameters: [Parameter]
    public var outputColumns: [Column]
    public var summary: String
}

/// The functions usable in `FROM TABLE(f(CURSOR(SELECT STREAM ...), args...))`.
public enum TableFunctionRegistry {
    public static let functions: [String: TableFunctionSignature] = [
        "COUNT_DISTINCT_ITEMS_TUMBLING": TableFunctionSignature(
            name: "COUNT_DISTINCT_ITEMS_TUMBLING",
            parameters: [.columnName("columnName"), .integer("windowSize (seconds)", 1...86_400)],
            outputColumns: [Column(name: "NUMBER_OF_DISTINCT_ITEMS", type: .bigint, path: [])],
            summary: "distinct values of a column per tumbling window (exact up to 10,000, then HyperLogLog)"),
        "TOP_K_ITEMS_TUMBLING": TableFunctionSignature(
            name: "TOP_K_ITEMS_TUMBLING",
            parameters: [.columnName("columnName"), .integer("K", 1...100_000), .integer("windowSize (seconds)", 1...86_400)],
            outputColumns: [Column(name: "ITEM", type: .varchar(1024), path: []), Column(name: "ITEM_COUNT", type: .bigint, path: [])],
            summary: "the K most frequent values of a column per tumbling window"),
    ]
}

/// A checked call of a table function.
struct TableFunctionCall {
    var source: Int
    var filter: TypedExpr?
    var cursorOutputs: [TypedExpr]
    var cursorSchema: Schema
    var arguments: [Literal]
    var outputSchema: Schema

    static func analyze(_ name: String, arguments: [TableFunctionArgument], location: SourceLocation,
                        analyzer: Analyzer) throws(Diagnostic) -> TableFunctionCall {
        guard let signature = TableFunctionRegistry.functions[name] else {
            throw Diagnostic(location, "unknown table function \(name)",
                             hint: "available: \(TableFunctionRegistry.functions.keys.sorted().joined(separator: ", "))")
        }
        let usage = "\(name)(CURSOR(SELECT STREAM ...), \(signature.parameters.map { p in switch p { case .columnName(let n): "'\(n)'"; case .integer(let n, _): n } }.joined(separator: ", ")))"
        guard case .cursor(let query, let cursorAt)? = arguments.first else {
            throw Diagnostic(location, "\(name) needs a CURSOR as its first argument", hint: "call it as \(usage)")
        }
        guard arguments.count == signature.parameters.count + 1 else {
            throw Diagnostic(location, "\(name) takes \(signature.parameters.count + 1) arguments, found \(arguments.count)", hint: "call it as \(usage)")
        }
        guard case .stream(let streamName, let alias, let at) = query.from else {
            throw Diagnostic(cursorAt, "nested table functions are not supported", hint: "read a stream in the CURSOR")
        }
        guard let source = analyzer.streams.firstIndex(where: { $0.name == streamName }) else { throw analyzer.unknownStream(streamName, at) }
        if !query.groupBy.isEmpty || query.stagger != nil {
            throw Diagnostic(cursorAt, "the CURSOR query cannot aggregate", hint: "select and filter rows in the CURSOR; the function aggregates")
        }
        let scope = Analyzer.Scope(schema: analyzer.streams[source].schema, names: [streamName] + (alias.map { [$0] } ?? []))
        var filter: TypedExpr?
        if let w = query.whereClause {
            filter = try analyzer.expr(w, scope, .row)
            try analyzer.requireBoolean(filter!, w.location, "WHERE")
        }
        var outputs: [TypedExpr] = []
        var columns: [Column] = []
        if query.star {
            for entry in scope.entries {
                outputs.append(TypedExpr(.slot(entry.slot), entry.type))
                columns.append(Column(name: entry.name, type: entry.type, path: []))
            }
        } else {
            for (k, item) in query.items.enumerated() {
                let typed = try analyzer.expr(item.expr, scope, .row)
                var columnName = item.alias ?? "EXPR$\(k)"
                if item.alias == nil, case .column(_, let n) = item.expr.kind { columnName = n }
                outputs.append(typed)
                columns.append(Column(name: columnName, type: typed.type, path: []))
            }
        }
        var literals: [Literal] = []
        for (k, parameter) in signature.parameters.enumerated() {
            guard case .value(let e) = arguments[k + 1] else {
                throw Diagnostic(location, "argument \(k + 2) of \(name) cannot be a CURSOR", hint: "call it as \(usage)")
            }
            switch parameter {
            case .columnName(let label):
                guard case .string(let column) = e.kind else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be a column name in single quotes", hint: "call it as \(usage)")
                }
                let folded = columns.first { $0.name == column || $0.name == column.uppercased() }
                guard let folded else {
                    throw Diagnostic(e.location, "column '\(column)' is not selected by the CURSOR",
                                     hint: "name one of: \(columns.map(\.name).joined(separator: ", "))")
                }
                literals.append(.string(folded.name))
            case .integer(let label, let range):
                guard case .integer(let v) = e.kind else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be a whole number", hint: "call it as \(usage)")
                }
                guard range.contains(v) else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be in \(range.lowerBound)...\(range.upperBound), found \(v)", hint: "call it as \(usage)")
                }
                literals.append(.integer(v))
            }
        }
        return TableFunctionCall(source: source, filter: filter, cursorOutputs: outputs, cursorSchema: Schema(columns),
                                 arguments: literals, outputSchema: Schema(signature.outputColumns))
    }
}
