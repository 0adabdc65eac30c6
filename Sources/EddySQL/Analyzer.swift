public import EddyCore

/// Resolves names and types of a parsed topology and classifies each pump's window shape.
public final class Analyzer {
    /// Columns visible to an expression: their qualifiers (stream name, alias), slot and type.
    struct Scope {
        struct Entry { var qualifiers: [String]; var name: String; var slot: Int; var type: SQLType }
        var entries: [Entry]
        var streamName: String

        init(schema: Schema, names: [String]) {
            streamName = names.first ?? ""
            entries = schema.columns.enumerated().map { Entry(qualifiers: names, name: $0.element.name, slot: $0.offset, type: $0.element.type) }
        }
    }

    /// How aggregates and grouped columns are treated while typing select items.
    enum Mode {
        case row
        /// Tumbling/stagger: grouped expressions and aggregates map to post-aggregation slots.
        case grouped(groups: [String: Int], windowCanonicals: Set<String>, startSlot: Int, aggBase: Int)
        /// Sliding: input columns pass through, `agg OVER w` maps to slots after them.
        case sliding(window: String?, aggBase: Int)
    }

    var aggregates: [AggregatePlan] = []
    var windows: [String: WindowSpec] = [:]
    var slidingWindow: WindowSpec?
    var streams: [StreamDefinition] = []
    var spellings: [[String]] = []

    public init() {}

    /// Parses and analyzes a topology file's text.
    public static func analyze(text: String, name: String) throws(Diagnostic) -> Topology {
        try Analyzer().analyze(try Parser.parse(text), name: name)
    }

    public static let errorSchema = Schema([
        Column(name: "SOURCE_STREAM", type: .varchar(128), path: []),
        Column(name: "TOPIC", type: .varchar(256), path: []),
        Column(name: "PARTITION", type: .integer, path: []),
        Column(name: "OFFSET", type: .bigint, path: []),
        Column(name: "FILE", type: .varchar(4096), path: []),
        Column(name: "LINE", type: .bigint, path: []),
        Column(name: "ERROR_NAME", type: .varchar(32), path: []),
        Column(name: "REASON", type: .varchar(4096), path: []),
        Column(name: "DATA", type: .varchar(1_048_576), path: []),
        Column(name: "DATA_ENCODING", type: .varchar(8), path: []),
    ])

    public static let lateSchema = Schema([
        Column(name: "SOURCE_STREAM", type: .varchar(128), path: []),
        Column(name: "TOPIC", type: .varchar(256), path: []),
        Column(name: "PARTITION", type: .integer, path: []),
        Column(name: "OFFSET", type: .bigint, path: []),
        Column(name: "FILE", type: .varchar(4096), path: []),
        Column(name: "LINE", type: .bigint, path: []),
        Column(name: "EVENT_TIME", type: .timestamp, path: []),
        Column(name: "WATERMARK", type: .timestamp, path: []),
        Column(name: "DATA", type: .varchar(1_048_576), path: []),
        Column(name: "DATA_ENCODING", type: .varchar(8), path: []),
    ])

    public func analyze(_ statements: [Statement], name: String) throws(Diagnostic) -> Topology {
        let origin = SourceLocation(line: 1, column: 1)
        streams = [
            StreamDefinition(name: Topology.errorStreamName, schema: Self.errorSchema, binding: Binding(), location: origin, isSystem: true, isSource: false),
            StreamDefinition(name: Topology.lateStreamName, schema: Self.lateSchema, binding: Binding(), location: origin, isSystem: true, isSource: false),
        ]
        spellings = [Self.errorSchema.columns.map(\.name), Self.lateSchema.columns.map(\.name)]
        var pumpTargets = Set<String>()
        for statement in statements {
            switch statement {
            case .createStream(let streamName, let columns, _, let location):
                if let existing = streams.firstIndex(where: { $0.name == streamName }) {
                    if streams[existing].isSystem {
                        throw Diagnostic(location, "\"\(streamName)\" is a system stream", hint: "bind it with ALTER STREAM \"\(streamName)\" SET ('topic' = '...') instead of creating it")
                    }
                }
                var seen = Set<String>()
                var schemaColumns: [Column] = []
                for c in columns {
                    guard seen.insert(c.name).inserted else {
                        throw Diagnostic(c.location, "duplicate column \(c.name)", hint: "give each column of \"\(streamName)\" a distinct name")
                    }
                    var path = [c.spelling]
                    if let p = c.path {
                        guard p.hasPrefix("$."), p.count > 2 else {
                            throw Diagnostic(c.location, "bad PATH '\(p)'", hint: "write a JSON path such as '$.review.id'")
                        }
                        path = p.dropFirst(2).split(separator: ".").map(String.init)
                    }
                    schemaColumns.append(Column(name: c.name, type: c.type, path: path))
                }
                let definition = StreamDefinition(name: streamName, schema: Schema(schemaColumns), binding: Binding(), location: location, isSystem: false, isSource: true)
                if let existing = streams.firstIndex(where: { $0.name == streamName }) {
                    streams[existing] = definition
                    spellings[existing] = columns.map(\.spelling)
                } else {
                    streams.append(definition)
                    spellings.append(columns.map(\.spelling))
                }
            case .createPump(_, let target, _, _, _):
                pumpTargets.insert(target)
            case .alterStream:
                break
            }
        }
        for i in streams.indices where pumpTargets.contains(streams[i].name) { streams[i].isSource = false }
        // Bindings, from CREATE ... WITH and ALTER STREAM ... SET, in file order.
        for statement in statements {
            switch statement {
            case .createStream(let streamName, _, let options, _):
                let i = streams.firstIndex { $0.name == streamName }!
                try OptionParser.apply(options, to: &streams[i].binding, schema: streams[i].schema, declaredSpellings: spellings[i])
            case .alterStream(let streamName, let options, let location):
                guard let i = streams.firstIndex(where: { $0.name == streamName }) else {
                    throw unknownStream(streamName, location)
                }
                try OptionParser.apply(options, to: &streams[i].binding, schema: streams[i].schema, declaredSpellings: spellings[i])
            case .createPump:
                break
            }
        }
        for stream in streams where stream.binding.format == .raw {
            try Self.checkRawFormat(stream)
        }
        for stream in streams where !stream.isSource {
            if let location = stream.binding.partitionKeyLocation {
                throw Diagnostic(location, "'partition_key' on \"\(stream.name)\", which pumps write",
                                 hint: "'partition_key' says how a source topic is keyed; an output stream's message key is set with 'key'")
            }
        }
        var pumps: [PumpPlan] = []
        var pumpNames = Set<String>()
        for statement in statements {
            guard case .createPump(let pumpName, let target, let targetColumns, let query, let location) = statement else { continue }
            guard pumpNames.insert(pumpName).inserted else {
                throw Diagnostic(location, "duplicate pump \(pumpName)", hint: "give each pump a distinct name")
            }
            pumps.append(try pump(pumpName, target: target, targetColumns: targetColumns, query: query, location: location))
        }
        return Topology(name: name, streams: streams, pumps: pumps)
    }

    func unknownStream(_ name: String, _ location: SourceLocation) -> Diagnostic {
        let known = streams.filter { !$0.isSystem }.map { "\"\($0.name)\"" }.joined(separator: ", ")
        var hint = "declare it with CREATE OR REPLACE STREAM \"\(name)\" (...) first"
        if let close = streams.first(where: { $0.name.uppercased() == name.uppercased() }) {
            hint = "names are case-sensitive after folding: did you mean \"\(close.name)\"? (unquoted names fold to upper case)"
        } else if !known.isEmpty {
            hint += "; known streams: \(known)"
        }
        return Diagnostic(location, "unknown stream \"\(name)\"", hint: hint)
    }

    /// `'format' = 'raw'` writes one VARCHAR column's text as the whole message value (an alert
    /// stream whose column already holds a JSON object); other columns may only serve as the key.
    static func checkRawFormat(_ stream: StreamDefinition) throws(Diagnostic) {
        if stream.isSource {
            throw Diagnostic(stream.location, "\"\(stream.name)\" is read from a topic, so it cannot use 'format' = 'raw'",
                             hint: "'raw' is for output streams; sources read 'json', 'csv' or 'tsv'")
        }
        let keys = Set(stream.binding.keyColumns ?? [])
        let values = stream.schema.columns.indices.filter { !keys.contains($0) }
        guard values.count == 1, stream.schema.columns[values[0]].type.isString else {
            throw Diagnostic(stream.location, "\"\(stream.name)\" uses 'format' = 'raw' but has \(values.count) value columns",
                             hint: "a raw stream has exactly one VARCHAR value column (its text is the message); list any other columns in 'key'")
        }
    }

    // MARK: pumps

    func pump(_ name: String, target: String, targetColumns: [(String, SourceLocation)]?, query: SelectQuery,
              location: SourceLocation) throws(Diagnostic) -> PumpPlan {
        guard let targetIndex = streams.firstIndex(where: { $0.name == target }) else { throw unknownStream(target, location) }
        if streams[targetIndex].isSystem {
            throw Diagnostic(location, "pumps cannot insert into \"\(target)\"", hint: "error_stream and late_stream are written by the engine")
        }
        aggregates = []
        windows = [:]
        slidingWindow = nil
        let sourceIndex: Int
        let scope: Scope
        var shapeOverride: PumpShape?
        var cursorFilter: TypedExpr?
        switch query.from {
        case .stream(let streamName, let alias, let at):
            guard let i = streams.firstIndex(where: { $0.name == streamName }) else { throw unknownStream(streamName, at) }
            sourceIndex = i
            scope = Scope(schema: streams[i].schema, names: [streamName] + (alias.map { [$0] } ?? []))
        case .tableFunction(let functionName, let arguments, let alias, let at):
            let call = try TableFunctionCall.analyze(functionName, arguments: arguments, location: at, analyzer: self)
            sourceIndex = call.source
            cursorFilter = call.filter
            shapeOverride = .tableFunction(name: functionName, cursorOutputs: call.cursorOutputs, cursorSchema: call.cursorSchema,
                                           arguments: call.arguments, outputSchema: call.outputSchema)
            scope = Scope(schema: call.outputSchema, names: [functionName] + (alias.map { [$0] } ?? []))
        }
        let filter: TypedExpr?
        if let w = query.whereClause {
            if shapeOverride != nil {
                throw Diagnostic(w.location, "WHERE on a table function's output is not supported", hint: "filter inside the CURSOR(SELECT STREAM ... WHERE ...)")
            }
            let typed = try expr(w, scope, .row)
            try requireBoolean(typed, w.location, "WHERE")
            filter = typed
        } else {
            filter = cursorFilter
        }
        for w in query.windows { windows[w.name] = w.spec }

        // Classify: tumbling (GROUP BY with a window), stagger, sliding (OVER), or projection.
        var shape: PumpShape = shapeOverride ?? .projection
        var mode: Mode = .row
        var groupKeys: [TypedExpr] = []
        var windowSize: Int64 = 0
        if let stagger = query.stagger {
            guard shapeOverride == nil else { throw Diagnostic(stagger.location, "WINDOWED BY on a table function", hint: "apply the stagger window to a stream") }
            var groups: [String: Int] = [:]
            for e in stagger.partitionBy {
                groups[e.canonical] = groupKeys.count
                groupKeys.append(try expr(e, scope, .row))
            }
            for e in query.groupBy where groups[e.canonical] == nil {
                throw Diagnostic(e.location, "GROUP BY \(e.canonical) is not in the stagger window's PARTITION BY", hint: "a stagger window groups by its PARTITION BY columns")
            }
            mode = .grouped(groups: groups, windowCanonicals: [], startSlot: groupKeys.count, aggBase: groupKeys.count + 2)
            shape = .stagger(partitionKeys: groupKeys, rangeMillis: stagger.rangeMillis, aggregates: [], having: nil)
        } else if !query.groupBy.isEmpty {
            guard shapeOverride == nil else {
                throw Diagnostic(query.groupBy[0].location, "GROUP BY over a table function is not supported", hint: "aggregate in a downstream pump")
            }
            var groups: [String: Int] = [:]
            var windowCanonicals = Set<String>()
            for e in query.groupBy {
                if let size = try windowSizeOf(e, scope) {
                    guard windowSize == 0 else {
                        throw Diagnostic(e.location, "more than one window in GROUP BY", hint: "group by one STEP(...) or FLOOR(... TO unit) expression")
                    }
                    windowSize = size
                    windowCanonicals.insert(e.canonical)
                } else {
                    groups[e.canonical] = groupKeys.count
                    groupKeys.append(try expr(e, scope, .row))
                }
            }
            guard windowSize > 0 else {
                throw Diagnostic(query.groupBy[0].location, "GROUP BY on a stream needs a window",
                                 hint: "add STEP(s.ROWTIME BY INTERVAL '10' SECOND) or FLOOR(s.ROWTIME TO MINUTE) to the GROUP BY")
            }
            mode = .grouped(groups: groups, windowCanonicals: windowCanonicals, startSlot: groupKeys.count, aggBase: groupKeys.count + 2)
            shape = .tumbling(groupKeys: groupKeys, sizeMillis: windowSize, aggregates: [], having: nil)
        } else if query.items.contains(where: { Self.usesOver($0.expr) }) {
            mode = .sliding(window: nil, aggBase: scope.entries.count)
        }

        // Select items.
        var items: [(TypedExpr, String?, SourceLocation)] = []
        if query.star {
            if case .grouped = mode {
                throw Diagnostic(query.location, "SELECT STREAM * with GROUP BY", hint: "list the grouped columns and aggregates")
            }
            for entry in scope.entries { items.append((TypedExpr(.slot(entry.slot), entry.type), entry.name, query.location)) }
        } else {
            for item in query.items {
                let typed = try expr(item.expr, scope, mode)
                var name = item.alias
                if name == nil, case .column(_, let n) = item.expr.kind { name = n }
                items.append((typed, name, item.expr.location))
            }
        }
        if case .row = mode, !aggregates.isEmpty {
            throw Diagnostic(query.location, "aggregate without a window", hint: "add GROUP BY ... STEP(s.ROWTIME BY INTERVAL 'n' SECOND) for a tumbling window, or OVER w for a sliding one")
        }
        var having: TypedExpr?
        if let h = query.having {
            guard case .grouped = mode else { throw Diagnostic(h.location, "HAVING without GROUP BY", hint: "use WHERE to filter rows") }
            having = try expr(h, scope, mode)
            try requireBoolean(having!, h.location, "HAVING")
        }
        switch shape {
        case .tumbling(let keys, let size, _, _): shape = .tumbling(groupKeys: keys, sizeMillis: size, aggregates: aggregates, having: having)
        case .stagger(let keys, let range, _, _): shape = .stagger(partitionKeys: keys, rangeMillis: range, aggregates: aggregates, having: having)
        case .projection:
            if case .sliding = mode {
                guard let spec = slidingWindow else { throw Diagnostic(query.location, "OVER without a window", hint: "define WINDOW w AS (...)") }
                var keys: [TypedExpr] = []
                for e in spec.partitionBy { keys.append(try expr(e, scope, .row)) }
                let frame: SlidingFrame = switch spec.frame {
                case .range(let ms): .range(millis: ms)
                case .rows(let n): .rows(n)
                }
                shape = .sliding(partitionKeys: keys, frame: frame, aggregates: aggregates)
            }
        case .sliding, .tableFunction: break
        }

        // Map items onto the target's columns.
        let targetSchema = streams[targetIndex].schema
        var outputs = [TypedExpr?](repeating: nil, count: targetSchema.count)
        if let targetColumns {
            guard targetColumns.count == items.count else {
                throw Diagnostic(location, "INSERT lists \(targetColumns.count) columns but SELECT has \(items.count)", hint: "make the column list and the select list the same length")
            }
            for (k, (column, at)) in targetColumns.enumerated() {
                guard let c = targetSchema.index(of: column) else {
                    throw Diagnostic(at, "unknown column \(column) in \"\(target)\"", hint: "columns of \"\(target)\": \(targetSchema.columns.map(\.name).joined(separator: ", "))")
                }
                outputs[c] = try assign(items[k].0, to: targetSchema.columns[c], items[k].2)
            }
        } else {
            guard items.count == targetSchema.count else {
                throw Diagnostic(query.location, "SELECT has \(items.count) columns but \"\(target)\" has \(targetSchema.count)",
                                 hint: "select one expression per column of \"\(target)\" (\(targetSchema.columns.map(\.name).joined(separator: ", "))), or list the columns after INSERT INTO \"\(target)\"")
            }
            for k in items.indices { outputs[k] = try assign(items[k].0, to: targetSchema.columns[k], items[k].2) }
        }
        let finalOutputs = outputs.enumerated().map { $0.element ?? TypedExpr(.literal(.null), targetSchema.columns[$0.offset].type) }
        return PumpPlan(name: name, location: location, source: sourceIndex, target: targetIndex, filter: filter, shape: shape, outputs: finalOutputs)
    }

    static func usesOver(_ e: Expr) -> Bool {
        if case .function(_, let args, _, let over) = e.kind { return over != nil || args.contains(where: usesOver) }
        if case .binary(_, let l, let r) = e.kind { return usesOver(l) || usesOver(r) }
        if case .cast(let x, _) = e.kind { return usesOver(x) }
        if case .negate(let x) = e.kind { return usesOver(x) }
        return false
    }

    /// The window size when `e` is STEP(ROWTIME BY INTERVAL) or FLOOR(ROWTIME TO unit).
    func windowSizeOf(_ e: Expr, _ scope: Scope) throws(Diagnostic) -> Int64? {
        switch e.kind {
        case .step(let ts, let interval):
            try requireRowtime(ts)
            guard case .interval(let n, let unit) = interval.kind, n > 0 else {
                throw Diagnostic(interval.location, "STEP needs a positive INTERVAL", hint: "write STEP(s.ROWTIME BY INTERVAL '10' SECOND)")
            }
            return n * unit.millis
        case .floorTo(let ts, let unit):
            try requireRowtime(ts)
            return unit.millis
        default:
            return nil
        }
    }

    func requireRowtime(_ e: Expr) throws(Diagnostic) {
        guard case .column(_, "ROWTIME") = e.kind else {
            throw Diagnostic(e.location, "windows are on ROWTIME, found \(e.canonical)",
                             hint: "set the event-time column with 'rowtime' = 'col' on the source and group by STEP(s.ROWTIME BY INTERVAL ...)")
        }
    }

    func requireBoolean(_ e: TypedExpr, _ at: SourceLocation, _ clause: String) throws(Diagnostic) {
        guard e.type == .boolean else {
            throw Diagnostic(at, "\(clause) must be BOOLEAN, found \(e.type)", hint: "compare the value, e.g. x > 0")
        }
    }

    /// Casts an item to a target column's type, or reports a mismatch.
    func assign(_ e: TypedExpr, to column: Column, _ at: SourceLocation) throws(Diagnostic) -> TypedExpr {
        if e.type == column.type { return e }
        if case .literal(.null) = e.node { return TypedExpr(.literal(.null), column.type) }
        let from = e.type.kind, to = column.type.kind
        let compatible = from == to || (e.type.isNumeric && column.type.isNumeric)
            || (from == .timestamp && to == .integer) || (from == .integer && to == .timestamp) || to == .string
        guard compatible else {
            throw Diagnostic(at, "type mismatch: \(e.type) value for column \(column.name) of type \(column.type)",
                             hint: "CAST the expression AS \(column.type), or change the column's type")
        }
        return TypedExpr(.cast(e), column.type)
    }
}
