public import EddyCore

/// The signature of a table function: what its arguments after the cursor must be, and the columns
/// it returns. The engine implements the functions registered here; analysis checks calls against it.
public struct TableFunctionSignature: Sendable {
    public enum Parameter: Sendable {
        /// A string literal naming a column of the cursor.
        case columnName(String)
        /// A string literal naming a numeric column of the cursor.
        case numericColumnName(String)
        /// An integer literal, with its allowed range.
        case integer(String, ClosedRange<Int64>)
        /// An integer or decimal literal, with its allowed range.
        case number(String, ClosedRange<Double>)
        /// TRUE or FALSE.
        case boolean(String)

        var label: String {
            switch self {
            case .columnName(let n), .numericColumnName(let n): "'\(n)'"
            case .integer(let n, _), .number(let n, _), .boolean(let n): n
            }
        }
    }

    /// A key accepted in the trailing `'KEY=value, ...'` options string (Eddy's extensions).
    public enum OptionValue: Sendable {
        case column
        case integer(ClosedRange<Int64>)
        case number(ClosedRange<Double>)
        case choice([String])
        /// Letters, digits and underscores.
        case word
    }

    public var name: String
    public var parameters: [Parameter]
    /// Parameters after the first `requiredCount` may be omitted; `defaults` supplies them (KDA's defaults).
    public var requiredCount: Int
    public var defaults: [Literal]
    public var outputColumns: [Column]
    /// Rows carry the cursor's columns before the function's own (RANDOM_CUT_FOREST, HOTSPOTS).
    public var passesCursorColumns = false
    /// The function reads the cursor's numeric columns as its features.
    public var readsNumericColumns = false
    /// Keys of the optional trailing options string; empty when the function takes none.
    public var options: [String: OptionValue] = [:]
    public var summary: String
}

/// The functions usable in `FROM TABLE(f(CURSOR(SELECT STREAM ...), args...))`.
public enum TableFunctionRegistry {
    static let forestParameters: [TableFunctionSignature.Parameter] = [
        .integer("numberOfTrees", 1...1000), .integer("subSampleSize", 10...1000),
        .integer("timeDecay", 1...Int64(Int32.max)), .integer("shingleSize", 1...30),
    ]
    static let forestDefaults: [Literal] = [.integer(100), .integer(256), .integer(100_000), .integer(1)]
    static let forestOptions: [String: TableFunctionSignature.OptionValue] = ["PARTITION_BY": .column, "SEED": .integer(0...Int64.max)]
    static let score = Column(name: "ANOMALY_SCORE", type: .double, path: [])

    public static let functions: [String: TableFunctionSignature] = [
        "COUNT_DISTINCT_ITEMS_TUMBLING": TableFunctionSignature(
            name: "COUNT_DISTINCT_ITEMS_TUMBLING",
            parameters: [.columnName("columnName"), .integer("windowSize (seconds)", 1...86_400)], requiredCount: 2, defaults: [],
            outputColumns: [Column(name: "NUMBER_OF_DISTINCT_ITEMS", type: .bigint, path: [])],
            summary: "distinct values of a column per tumbling window (exact up to 10,000, then HyperLogLog)"),
        "TOP_K_ITEMS_TUMBLING": TableFunctionSignature(
            name: "TOP_K_ITEMS_TUMBLING",
            parameters: [.columnName("columnName"), .integer("K", 1...100_000), .integer("windowSize (seconds)", 1...86_400)],
            requiredCount: 3, defaults: [],
            outputColumns: [Column(name: "ITEM", type: .varchar(1024), path: []), Column(name: "ITEM_COUNT", type: .bigint, path: [])],
            summary: "the K most frequent values of a column per tumbling window"),
        "RANDOM_CUT_FOREST": TableFunctionSignature(
            name: "RANDOM_CUT_FOREST", parameters: forestParameters, requiredCount: 0, defaults: forestDefaults,
            outputColumns: [score], passesCursorColumns: true, readsNumericColumns: true, options: forestOptions,
            summary: "anomaly score of each row over the cursor's numeric columns (Random Cut Forest)"),
        "RANDOM_CUT_FOREST_WITH_EXPLANATION": TableFunctionSignature(
            name: "RANDOM_CUT_FOREST_WITH_EXPLANATION", parameters: forestParameters + [.boolean("withDirectionality")],
            requiredCount: 5, defaults: [],
            outputColumns: [score, Column(name: "ANOMALY_EXPLANATION", type: .varchar(8192), path: [])],
            passesCursorColumns: true, readsNumericColumns: true, options: forestOptions,
            summary: "anomaly score and per-column attribution (JSON) of each row"),
        "HOTSPOTS": TableFunctionSignature(
            name: "HOTSPOTS",
            parameters: [.integer("windowSize", 100...1000), .number("scanRadius", Double.leastNonzeroMagnitude...1e300),
                         .integer("minimumNumberOfPointsInAHotspot", 2...1000)],
            requiredCount: 3, defaults: [],
            outputColumns: [Column(name: "HOTSPOTS_RESULT", type: .varchar(65_536), path: [])],
            passesCursorColumns: true, readsNumericColumns: true,
            summary: "dense regions among the last windowSize rows (JSON)"),
        "ANOMALY_ALERTS": TableFunctionSignature(
            name: "ANOMALY_ALERTS",
            parameters: [.numericColumnName("scoreColumn"), .columnName("keyColumn"), .number("k", 0.01...100),
                         .integer("cooldownSeconds", 1...86_400)],
            requiredCount: 4, defaults: [],
            outputColumns: [
                Column(name: "ALERT_KIND", type: .varchar(64), path: []), Column(name: "ALERT_KEY", type: .varchar(1024), path: []),
                Column(name: "ALERT_TYPE", type: .varchar(16), path: []), Column(name: "ANOMALY_SCORE", type: .double, path: []),
                Column(name: "THRESHOLD", type: .double, path: []), Column(name: "SUPPRESSED_COUNT", type: .bigint, path: []),
                Column(name: "SUMMARY", type: .varchar(2048), path: []), Column(name: "ALERT", type: .varchar(65_536), path: []),
            ],
            options: ["KIND": .word, "TAIL": .choice(["HIGH", "LOW"]), "WARM_UP": .integer(0...1_000_000),
                      "HALF_LIFE": .number(1...1e9), "MIN_STDDEV": .number(0...1e300), "EXPLANATION": .column],
            summary: "alert rows when a score leaves mean ± k·σ of its key's recent scores, with a cool-down per key"),
    ]

    /// Tumbling table functions, whose last argument is the window size in seconds.
    public static func isTumbling(_ name: String) -> Bool {
        name == "COUNT_DISTINCT_ITEMS_TUMBLING" || name == "TOP_K_ITEMS_TUMBLING"
    }
}

/// A checked call of a table function.
struct TableFunctionCall {
    var source: Int
    var filter: TypedExpr?
    var cursorOutputs: [TypedExpr]
    var cursorSchema: Schema
    /// The positional arguments (omitted ones filled with their defaults), then, when the function
    /// takes options, one string of the checked options as `KEY=value` joined by `,` (column names folded).
    var arguments: [Literal]
    var outputSchema: Schema

    static func analyze(_ name: String, arguments: [TableFunctionArgument], location: SourceLocation,
                        analyzer: Analyzer) throws(Diagnostic) -> TableFunctionCall {
        guard let signature = TableFunctionRegistry.functions[name] else {
            throw Diagnostic(location, "unknown table function \(name)",
                             hint: "available: \(TableFunctionRegistry.functions.keys.sorted().joined(separator: ", "))")
        }
        let optional = signature.parameters.dropFirst(signature.requiredCount).map(\.label)
        let required = signature.parameters.prefix(signature.requiredCount).map(\.label)
        var shape = (["CURSOR(SELECT STREAM ...)"] + required).joined(separator: ", ")
        if !optional.isEmpty { shape += " [, \(optional.joined(separator: ", "))]" }
        if !signature.options.isEmpty { shape += " [, '\(signature.options.keys.sorted().map { "\($0)=..." }.joined(separator: ", "))']" }
        let usage = "\(name)(\(shape))"
        guard case .cursor(let query, let cursorAt)? = arguments.first else {
            throw Diagnostic(location, "\(name) needs a CURSOR as its first argument", hint: "call it as \(usage)")
        }
        var values: [Expr] = []
        for (k, argument) in arguments.dropFirst().enumerated() {
            guard case .value(let e) = argument else {
                throw Diagnostic(location, "argument \(k + 2) of \(name) cannot be a CURSOR", hint: "call it as \(usage)")
            }
            values.append(e)
        }
        var optionsText: Expr?
        if !signature.options.isEmpty, let last = values.last, case .string = last.kind {
            let position = values.count - 1
            if position >= signature.parameters.count || !signature.parameters[position].isColumn { optionsText = values.removeLast() }
        }
        guard (signature.requiredCount...signature.parameters.count).contains(values.count) else {
            let expected = signature.requiredCount == signature.parameters.count
                ? "\(signature.parameters.count + 1)" : "\(signature.requiredCount + 1) to \(signature.parameters.count + 1)"
            throw Diagnostic(location, "\(name) takes \(expected) arguments\(signature.options.isEmpty ? "" : " (and an options string)"), found \(arguments.count)",
                             hint: "call it as \(usage)")
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
        func column(_ text: String, at: SourceLocation, label: String, numeric: Bool) throws(Diagnostic) -> String {
            guard let found = columns.first(where: { $0.name == text }) ?? columns.first(where: { $0.name == text.uppercased() }) else {
                throw Diagnostic(at, "column '\(text)' is not selected by the CURSOR",
                                 hint: "name one of: \(columns.map(\.name).joined(separator: ", "))")
            }
            if numeric, !found.type.isNumeric {
                throw Diagnostic(at, "\(label) of \(name) must be a numeric column, '\(found.name)' is \(found.type)",
                                 hint: "numeric columns selected by the CURSOR: \(columns.filter(\.type.isNumeric).map(\.name).joined(separator: ", "))")
            }
            return found.name
        }
        var literals: [Literal] = []
        for (k, parameter) in signature.parameters.enumerated() {
            guard k < values.count else {
                literals.append(signature.defaults[k - signature.requiredCount])
                continue
            }
            let e = values[k]
            switch parameter {
            case .columnName(let label), .numericColumnName(let label):
                guard case .string(let text) = e.kind else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be a column name in single quotes", hint: "call it as \(usage)")
                }
                let numeric = if case .numericColumnName = parameter { true } else { false }
                literals.append(.string(try column(text, at: e.location, label: label, numeric: numeric)))
            case .integer(let label, let range):
                guard case .integer(let v) = e.kind else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be a whole number", hint: "call it as \(usage)")
                }
                guard range.contains(v) else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be in \(range.lowerBound)...\(range.upperBound), found \(v)", hint: "call it as \(usage)")
                }
                literals.append(.integer(v))
            case .number(let label, let range):
                let v: Double
                switch e.kind {
                case .integer(let i): v = Double(i)
                case .decimal(let d): v = d
                default: throw Diagnostic(e.location, "\(label) of \(name) must be a number", hint: "call it as \(usage)")
                }
                guard range.contains(v) else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be in \(range.lowerBound == Double.leastNonzeroMagnitude ? "(0" : "[\(range.lowerBound)"), \(range.upperBound)], found \(v)",
                                     hint: "call it as \(usage)")
                }
                literals.append(.double(v))
            case .boolean(let label):
                guard case .boolean(let b) = e.kind else {
                    throw Diagnostic(e.location, "\(label) of \(name) must be TRUE or FALSE", hint: "call it as \(usage)")
                }
                literals.append(.boolean(b))
            }
        }
        var options: [(String, String)] = []
        if let optionsText {
            guard case .string(let text) = optionsText.kind else {
                throw Diagnostic(optionsText.location, "the last argument of \(name) must be an options string", hint: "call it as \(usage)")
            }
            options = try parseOptions(text, signature: signature, at: optionsText.location, usage: usage) { (value, key) throws(Diagnostic) in
                try column(value, at: optionsText.location, label: key, numeric: false)
            }
            literals.append(.string(options.map { "\($0.0)=\($0.1)" }.joined(separator: ",")))
        } else if !signature.options.isEmpty {
            literals.append(.string(""))
        }
        var outputColumns = signature.outputColumns
        if signature.readsNumericColumns {
            let partition = options.first { $0.0 == "PARTITION_BY" }?.1
            let features = columns.filter { $0.type.isNumeric && $0.name != partition }
            guard !features.isEmpty else {
                throw Diagnostic(cursorAt, "\(name) needs at least one numeric column in the CURSOR",
                                 hint: "select numeric columns (INTEGER, BIGINT, DOUBLE...): they are the features; CAST other values")
            }
        }
        if signature.passesCursorColumns {
            for own in signature.outputColumns where columns.contains(where: { $0.name == own.name }) {
                throw Diagnostic(cursorAt, "the CURSOR already has a column named \(own.name)", hint: "rename it with AS in the CURSOR: \(name) adds \(own.name)")
            }
            outputColumns = columns + outputColumns
        }
        return TableFunctionCall(source: source, filter: filter, cursorOutputs: outputs, cursorSchema: Schema(columns),
                                 arguments: literals, outputSchema: Schema(outputColumns))
    }

    /// Checks `'KEY=value, KEY=value'` against the function's option keys.
    static func parseOptions(_ text: String, signature: TableFunctionSignature, at: SourceLocation, usage: String,
                             resolveColumn: (String, String) throws(Diagnostic) -> String) throws(Diagnostic) -> [(String, String)] {
        var result: [(String, String)] = []
        let known = signature.options.keys.sorted().joined(separator: ", ")
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw Diagnostic(at, "option '\(String(part).trimmingSpaces)' of \(signature.name) is not KEY=value", hint: "write e.g. '\(signature.options.keys.sorted().first ?? "KEY")=value'; keys: \(known)")
            }
            let key = pieces[0].uppercased()
            guard let kind = signature.options[key] else {
                throw Diagnostic(at, "unknown option \(pieces[0]) of \(signature.name)", hint: "options are \(known)")
            }
            guard !result.contains(where: { $0.0 == key }) else {
                throw Diagnostic(at, "option \(key) of \(signature.name) is given twice", hint: "give each option once")
            }
            let value = pieces[1]
            switch kind {
            case .column:
                result.append((key, try resolveColumn(value, key)))
            case .integer(let range):
                guard let v = Int64(value), range.contains(v) else {
                    throw Diagnostic(at, "option \(key) of \(signature.name) must be a whole number in \(range.lowerBound)...\(range.upperBound), found '\(value)'", hint: "call it as \(usage)")
                }
                result.append((key, String(v)))
            case .number(let range):
                guard let v = Double(value), range.contains(v) else {
                    throw Diagnostic(at, "option \(key) of \(signature.name) must be a number in \(range.lowerBound)...\(range.upperBound), found '\(value)'", hint: "call it as \(usage)")
                }
                result.append((key, String(v)))
            case .choice(let choices):
                guard choices.contains(value.uppercased()) else {
                    throw Diagnostic(at, "option \(key) of \(signature.name) must be one of \(choices.joined(separator: ", ")), found '\(value)'", hint: "call it as \(usage)")
                }
                result.append((key, value.uppercased()))
            case .word:
                guard value.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 46 }) else {
                    throw Diagnostic(at, "option \(key) of \(signature.name) must be letters, digits, '_' or '.', found '\(value)'", hint: "write e.g. \(key)=rcf_anomaly")
                }
                result.append((key, value))
            }
        }
        return result
    }
}

extension TableFunctionSignature.Parameter {
    var isColumn: Bool {
        switch self {
        case .columnName, .numericColumnName: true
        default: false
        }
    }
}
