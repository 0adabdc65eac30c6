import EddyCore

extension Analyzer {
    /// Types an expression in a scope, rewriting grouped expressions and aggregates per `mode`.
    func expr(_ e: Expr, _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        // Grouped queries: a whole expression equal to a GROUP BY expression reads its slot.
        if case .grouped(let groups, let windowCanonicals, let startSlot, _) = mode {
            let canonical = e.canonical
            if let g = groups[canonical] {
                let type = try expr(e, scope, .row).type
                return TypedExpr(.slot(g), type)
            }
            if windowCanonicals.contains(canonical) { return TypedExpr(.slot(startSlot), .timestamp) }
        }
        switch e.kind {
        case .column(let qualifier, let name):
            if name == "ROWTIME" {
                if case .grouped(_, _, let startSlot, _) = mode { return TypedExpr(.slot(startSlot + 1), .timestamp) }
                return TypedExpr(.rowtime, .timestamp)
            }
            let matches = scope.entries.filter { $0.name == name && (qualifier == nil || $0.qualifiers.contains(qualifier!)) }
            guard let entry = matches.first else {
                if let q = qualifier, !scope.entries.contains(where: { $0.qualifiers.contains(q) }) {
                    throw Diagnostic(e.location, "unknown stream or alias \(q)", hint: "qualify columns with the stream name or alias used in FROM (\(scope.streamName))")
                }
                var hint = "columns of \"\(scope.streamName)\": \(scope.entries.map(\.name).joined(separator: ", "))"
                if let close = scope.entries.first(where: { $0.name.uppercased() == name.uppercased() }) {
                    hint = "unquoted names fold to upper case: write \"\(close.name)\" in double quotes"
                }
                throw Diagnostic(e.location, "unknown column \(name)", hint: hint)
            }
            if case .grouped = mode {
                throw Diagnostic(e.location, "column \(name) is neither grouped nor aggregated", hint: "add it to GROUP BY, or wrap it in an aggregate such as MAX(\(name))")
            }
            return TypedExpr(.slot(entry.slot), entry.type)
        case .integer(let v):
            return TypedExpr(.literal(.integer(v)), (Int64(Int32.min)...Int64(Int32.max)).contains(v) ? .integer : .bigint)
        case .decimal(let d): return TypedExpr(.literal(.double(d)), .double)
        case .string(let s): return TypedExpr(.literal(.string(s)), .varchar(max(s.unicodeScalars.count, 1)))
        case .boolean(let b): return TypedExpr(.literal(.boolean(b)), .boolean)
        case .null: return TypedExpr(.literal(.null), .varchar(1))
        case .interval(let n, let unit): return TypedExpr(.literal(.integer(n * unit.millis)), .bigint)
        case .negate(let x):
            let t = try expr(x, scope, mode)
            guard t.type.isNumeric else { throw mismatch(e.location, "cannot negate \(t.type)") }
            let zero = t.type.kind == .double ? TypedExpr(.literal(.double(0)), .double) : TypedExpr(.literal(.integer(0)), .bigint)
            return TypedExpr(.arithmetic("-", zero, widen(t)), t.type.kind == .double ? .double : .bigint)
        case .not(let x):
            let t = try expr(x, scope, mode)
            try requireBoolean(t, x.location, "NOT")
            return TypedExpr(.not(t), .boolean)
        case .binary(let op, let l, let r):
            return try binary(op, try expr(l, scope, mode), try expr(r, scope, mode), e.location)
        case .isNull(let x, let negated):
            return TypedExpr(.isNull(try expr(x, scope, mode), negated: negated), .boolean)
        case .like(let x, let pattern, let negated):
            let a = try expr(x, scope, mode), p = try expr(pattern, scope, mode)
            guard a.type.isString, p.type.isString else { throw mismatch(e.location, "LIKE needs strings, found \(a.type) and \(p.type)") }
            return TypedExpr(.like(a, p, negated: negated), .boolean)
        case .inList(let x, let list, let negated):
            let a = try expr(x, scope, mode)
            var result: TypedExpr?
            for item in list {
                let eq = try binary("=", a, try expr(item, scope, mode), item.location)
                result = result.map { TypedExpr(.or($0, eq), .boolean) } ?? eq
            }
            return negated ? TypedExpr(.not(result!), .boolean) : result!
        case .between(let x, let low, let high, let negated):
            let a = try expr(x, scope, mode)
            let both = TypedExpr(.and(try binary(">=", a, try expr(low, scope, mode), low.location),
                                      try binary("<=", a, try expr(high, scope, mode), high.location)), .boolean)
            return negated ? TypedExpr(.not(both), .boolean) : both
        case .caseWhen(let operand, let branches, let otherwise):
            let subject = try operand.map { (o: Expr) throws(Diagnostic) in try expr(o, scope, mode) }
            var typed: [TypedBranch] = []
            var resultType: SQLType?
            for b in branches {
                var condition = try expr(b.condition, scope, mode)
                if let subject { condition = try binary("=", subject, condition, b.condition.location) }
                try requireBoolean(condition, b.condition.location, "WHEN")
                let result = try expr(b.result, scope, mode)
                resultType = try unify(resultType, result, b.result.location)
                typed.append(TypedBranch(condition: condition, result: result))
            }
            var elseExpr: TypedExpr?
            if let otherwise {
                let t = try expr(otherwise, scope, mode)
                resultType = try unify(resultType, t, otherwise.location)
                elseExpr = t
            }
            let type = resultType!
            for k in typed.indices { typed[k].result = coerce(typed[k].result, type) }
            return TypedExpr(.caseWhen(typed, elseExpr.map { coerce($0, type) }), type)
        case .cast(let x, let type):
            let t = try expr(x, scope, mode)
            if t.type == type { return t }
            return TypedExpr(.cast(t), type)
        case .floorTo(let x, let unit), .ceilTo(let x, let unit):
            let t = try expr(x, scope, mode)
            guard t.type == .timestamp else { throw mismatch(e.location, "FLOOR/CEIL ... TO \(unit.rawValue) needs a TIMESTAMP, found \(t.type)") }
            let function: ScalarFunction = if case .floorTo = e.kind { .floorTo } else { .ceilTo }
            return TypedExpr(.call(function, [t, TypedExpr(.literal(.integer(unit.millis)), .bigint)]), .timestamp)
        case .step(let x, let interval):
            let t = try expr(x, scope, mode)
            guard t.type == .timestamp, case .interval(let n, let unit) = interval.kind, n > 0 else {
                throw mismatch(e.location, "STEP needs a TIMESTAMP and a positive INTERVAL")
            }
            return TypedExpr(.call(.floorTo, [t, TypedExpr(.literal(.integer(n * unit.millis)), .bigint)]), .timestamp)
        case .position(let needle, let haystack):
            return TypedExpr(.call(.position, [try string(needle, scope, mode), try string(haystack, scope, mode)]), .integer)
        case .substring(let s, let from, let length):
            let t = try string(s, scope, mode)
            var args = [t, try integer(from, scope, mode)]
            if let length { args.append(try integer(length, scope, mode)) }
            return TypedExpr(.call(.substring, args), t.type)
        case .trim(let side, let chars, let target):
            let t = try string(target, scope, mode)
            let c = try chars.map { (x: Expr) throws(Diagnostic) in try string(x, scope, mode) } ?? TypedExpr(.literal(.string(" ")), .varchar(1))
            let function: ScalarFunction = side == "LEADING" ? .trimLeading : side == "TRAILING" ? .trimTrailing : .trimBoth
            return TypedExpr(.call(function, [t, c]), t.type)
        case .function(let name, let args, let star, let over):
            return try function(name, args, star: star, over: over, e.location, scope, mode)
        }
    }

    func mismatch(_ at: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(at, "type mismatch: \(message)", hint: "CAST(x AS type) converts explicitly")
    }

    func string(_ e: Expr, _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        let t = try expr(e, scope, mode)
        guard t.type.isString else { throw mismatch(e.location, "expected a string, found \(t.type)") }
        return t
    }

    func integer(_ e: Expr, _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        let t = try expr(e, scope, mode)
        guard t.type.kind == .integer else { throw mismatch(e.location, "expected an integer, found \(t.type)") }
        return widen(t)
    }

    func number(_ e: Expr, _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        let t = try expr(e, scope, mode)
        guard t.type.isNumeric else { throw mismatch(e.location, "expected a number, found \(t.type)") }
        return t
    }

    /// Integer kinds are all computed as BIGINT.
    func widen(_ t: TypedExpr) -> TypedExpr { t }

    func coerce(_ t: TypedExpr, _ type: SQLType) -> TypedExpr {
        if t.type == type || (t.type.kind == type.kind && type.kind != .double) { return TypedExpr(t.node, type) }
        if t.type.kind == type.kind { return TypedExpr(t.node, type) }
        if case .literal(.null) = t.node { return TypedExpr(.literal(.null), type) }
        return TypedExpr(.cast(t), type)
    }

    func unify(_ current: SQLType?, _ t: TypedExpr, _ at: SourceLocation) throws(Diagnostic) -> SQLType {
        if case .literal(.null) = t.node { return current ?? t.type }
        guard let current else { return t.type }
        if current == t.type { return current }
        if current.kind == t.type.kind {
            if let a = current.maxLength, let b = t.type.maxLength { return .varchar(max(a, b)) }
            return current.kind == .integer ? .bigint : current
        }
        if current.isNumeric, t.type.isNumeric { return .double }
        throw mismatch(at, "branches have types \(current) and \(t.type)")
    }

    func binary(_ op: String, _ a: TypedExpr, _ b: TypedExpr, _ at: SourceLocation) throws(Diagnostic) -> TypedExpr {
        switch op {
        case "AND", "OR":
            try requireBoolean(a, at, op)
            try requireBoolean(b, at, op)
            return TypedExpr(op == "AND" ? .and(a, b) : .or(a, b), .boolean)
        case "||":
            let l = a.type.isString ? a : TypedExpr(.cast(a), .varchar(64))
            let r = b.type.isString ? b : TypedExpr(.cast(b), .varchar(64))
            return TypedExpr(.call(.concat, [l, r]), .varchar((l.type.maxLength ?? 0) + (r.type.maxLength ?? 0)))
        case "+", "-", "*", "/", "%":
            if a.type == .timestamp, b.type.kind == .integer, op == "+" || op == "-" {
                return TypedExpr(.arithmetic(op, a, b), .timestamp)
            }
            if a.type.kind == .integer, b.type == .timestamp, op == "+" {
                return TypedExpr(.arithmetic(op, b, a), .timestamp)
            }
            if a.type == .timestamp, b.type == .timestamp, op == "-" {
                return TypedExpr(.arithmetic(op, TypedExpr(a.node, .bigint), TypedExpr(b.node, .bigint)), .bigint)
            }
            guard a.type.isNumeric, b.type.isNumeric else {
                throw mismatch(at, "cannot apply \(op) to \(a.type) and \(b.type)")
            }
            if a.type.kind == .integer, b.type.kind == .integer {
                return TypedExpr(.arithmetic(op, a, b), .bigint)
            }
            return TypedExpr(.arithmetic(op, coerce(a, .double), coerce(b, .double)), .double)
        default:
            var l = a, r = b
            if case .literal(.null) = l.node { l = TypedExpr(.literal(.null), r.type) }
            if case .literal(.null) = r.node { r = TypedExpr(.literal(.null), l.type) }
            if l.type.kind == r.type.kind {
                if l.type.kind == .double || l.type.kind == .integer { return TypedExpr(.compare(op, TypedExpr(l.node, l.type.kind == .double ? .double : .bigint), TypedExpr(r.node, r.type.kind == .double ? .double : .bigint)), .boolean) }
                return TypedExpr(.compare(op, l, r), .boolean)
            }
            if l.type.isNumeric, r.type.isNumeric {
                return TypedExpr(.compare(op, coerce(l, .double), coerce(r, .double)), .boolean)
            }
            if l.type == .timestamp, r.type.isString, case .literal = r.node { return TypedExpr(.compare(op, l, TypedExpr(.cast(r), .timestamp)), .boolean) }
            if r.type == .timestamp, l.type.isString, case .literal = l.node { return TypedExpr(.compare(op, TypedExpr(.cast(l), .timestamp), r), .boolean) }
            if l.type == .timestamp, r.type.kind == .integer { return TypedExpr(.compare(op, TypedExpr(l.node, .bigint), r), .boolean) }
            if r.type == .timestamp, l.type.kind == .integer { return TypedExpr(.compare(op, l, TypedExpr(r.node, .bigint)), .boolean) }
            throw mismatch(at, "cannot compare \(l.type) with \(r.type)")
        }
    }

    static let aggregateNames: [String: AggregateFunction] = [
        "COUNT": .count, "SUM": .sum, "AVG": .avg, "MIN": .min, "MAX": .max,
        "STDDEV_POP": .stddevPop, "STDDEV_SAMP": .stddevSamp, "STDDEV": .stddevSamp,
        "VAR_POP": .varPop, "VAR_SAMP": .varSamp, "VARIANCE": .varSamp,
        "FIRST_VALUE": .firstValue, "LAST_VALUE": .lastValue, "LAG": .lag,
        "APPROX_COUNT_DISTINCT": .approxCountDistinct,
    ]

    func function(_ name: String, _ args: [Expr], star: Bool, over: WindowReference?, _ at: SourceLocation,
                  _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        if let aggregate = Self.aggregateNames[name] {
            return try aggregateCall(aggregate, name, args, star: star, over: over, at, scope, mode)
        }
        if over != nil { throw Diagnostic(at, "\(name) is not an aggregate", hint: "OVER applies to aggregates and LAG") }
        func arity(_ n: ClosedRange<Int>) throws(Diagnostic) {
            guard n.contains(args.count) else {
                throw Diagnostic(at, "\(name) takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)") arguments, found \(args.count)", hint: "check the call against topologies/README.md")
            }
        }
        switch name {
        case "UPPER", "LOWER":
            try arity(1...1)
            let s = try string(args[0], scope, mode)
            return TypedExpr(.call(name == "UPPER" ? .upper : .lower, [s]), s.type)
        case "CHAR_LENGTH", "CHARACTER_LENGTH":
            try arity(1...1)
            return TypedExpr(.call(.charLength, [try string(args[0], scope, mode)]), .integer)
        case "REGEX_REPLACE":
            try arity(3...5)
            let s = try string(args[0], scope, mode)
            guard case .string = args[1].kind else {
                throw Diagnostic(args[1].location, "REGEX_REPLACE's pattern must be a string literal", hint: "write the pattern in single quotes")
            }
            var typed = [s, try string(args[1], scope, mode), try string(args[2], scope, mode)]
            for extra in args.dropFirst(3) { typed.append(try integer(extra, scope, mode)) }
            return TypedExpr(.call(.regexReplace, typed), .varchar(max(s.type.maxLength ?? 0, 4096)))
        case "CHAR_TO_TIMESTAMP":
            try arity(2...2)
            return TypedExpr(.call(.charToTimestamp, [try string(args[0], scope, mode), try string(args[1], scope, mode)]), .timestamp)
        case "TIMESTAMP_TO_CHAR":
            try arity(2...2)
            let ts = try expr(args[1], scope, mode)
            guard ts.type == .timestamp || ts.type.kind == .integer else { throw mismatch(args[1].location, "TIMESTAMP_TO_CHAR needs a TIMESTAMP, found \(ts.type)") }
            return TypedExpr(.call(.timestampToChar, [try string(args[0], scope, mode), TypedExpr(ts.node, .timestamp)]), .varchar(64))
        case "ABS", "FLOOR", "CEIL", "ROUND":
            try arity(name == "ROUND" ? 1...2 : 1...1)
            let x = try number(args[0], scope, mode)
            var typed = [x]
            if args.count == 2 { typed.append(try integer(args[1], scope, mode)) }
            let function: ScalarFunction = name == "ABS" ? .abs : name == "FLOOR" ? .floor : name == "CEIL" ? .ceil : .round
            let type: SQLType = x.type.kind == .integer ? .bigint : .double
            return TypedExpr(.call(function, typed.map { $0.type.kind == .double || $0.type.kind == .integer ? TypedExpr($0.node, $0.type.kind == .integer ? .bigint : .double) : $0 }), type)
        case "LN", "EXP":
            try arity(1...1)
            return TypedExpr(.call(name == "LN" ? .ln : .exp, [coerce(try number(args[0], scope, mode), .double)]), .double)
        case "POWER":
            try arity(2...2)
            return TypedExpr(.call(.power, [coerce(try number(args[0], scope, mode), .double), coerce(try number(args[1], scope, mode), .double)]), .double)
        case "MOD":
            try arity(2...2)
            return TypedExpr(.call(.mod, [try integer(args[0], scope, mode), try integer(args[1], scope, mode)]), .bigint)
        case "TSDIFF":
            try arity(2...2)
            let a = try expr(args[0], scope, mode), b = try expr(args[1], scope, mode)
            guard a.type == .timestamp, b.type == .timestamp else { throw mismatch(at, "TSDIFF needs two TIMESTAMPs, found \(a.type) and \(b.type)") }
            return TypedExpr(.call(.tsdiff, [a, b]), .bigint)
        case "CURRENT_ROW_TIMESTAMP":
            try arity(0...0)
            return TypedExpr(.call(.currentRowTimestamp, []), .timestamp)
        case "SENTIMENT":
            guard args.count == 1 else {
                throw Diagnostic(at, "SENTIMENT takes 1 argument, found \(args.count)", hint: "write SENTIMENT(\"review_body\"): the VADER compound score of a string, in [-1, 1]")
            }
            let text = try expr(args[0], scope, mode)
            guard text.type.isString else {
                throw Diagnostic(args[0].location, "type mismatch: SENTIMENT needs a string, found \(text.type)", hint: "pass a VARCHAR column such as \"review_body\", or CAST(x AS VARCHAR(n))")
            }
            return TypedExpr(.call(.sentiment, [text]), .double)
        default:
            throw Diagnostic(at, "unknown function \(name)", hint: "see topologies/README.md for the supported functions; table functions go in FROM TABLE(...)")
        }
    }

    func aggregateCall(_ function: AggregateFunction, _ name: String, _ args: [Expr], star: Bool, over: WindowReference?,
                       _ at: SourceLocation, _ scope: Scope, _ mode: Mode) throws(Diagnostic) -> TypedExpr {
        let aggBase: Int
        switch mode {
        case .row:
            throw Diagnostic(at, "aggregate \(name) outside a window", hint: "GROUP BY a window (STEP(s.ROWTIME BY INTERVAL 'n' SECOND)) or use \(name)(...) OVER w")
        case .grouped(_, _, _, let base):
            if over != nil { throw Diagnostic(at, "OVER in a grouped query", hint: "use either GROUP BY windows or OVER windows in one pump") }
            if function == .lag { throw Diagnostic(at, "LAG needs OVER w", hint: "LAG works in sliding windows") }
            aggBase = base
        case .sliding(_, let base):
            if function == .approxCountDistinct {
                throw Diagnostic(at, "APPROX_COUNT_DISTINCT in a sliding window", hint: "use it in a GROUP BY window: GROUP BY ..., STEP(s.ROWTIME BY INTERVAL '10' SECOND)")
            }
            guard let over else { throw Diagnostic(at, "\(name) without OVER in a sliding-window query", hint: "add OVER w to every aggregate") }
            let spec: WindowSpec
            switch over {
            case .named(let w, let wAt):
                guard let s = windows[w] else { throw Diagnostic(wAt, "unknown window \(w)", hint: "define it with WINDOW \(w) AS (PARTITION BY ... RANGE INTERVAL '1' MINUTE PRECEDING)") }
                spec = s
            case .inline(let s): spec = s
            }
            if let existing = slidingWindow, existing.location != spec.location {
                throw Diagnostic(at, "more than one window in a pump", hint: "use one WINDOW per pump")
            }
            slidingWindow = spec
            aggBase = base
        }
        var argument: TypedExpr?
        var resolved = function
        var offset = 1
        if star {
            guard function == .count else { throw Diagnostic(at, "\(name)(*) is not an aggregate", hint: "only COUNT(*) takes *") }
            resolved = .countStar
        } else {
            guard args.count == 1 || (function == .lag && args.count == 2) else {
                throw Diagnostic(at, "\(name) takes one argument", hint: "write \(name)(column)")
            }
            argument = try expr(args[0], scope, .row)
            if function == .lag, args.count == 2 {
                guard case .integer(let n) = args[1].kind, n >= 1 else { throw Diagnostic(args[1].location, "LAG offset must be a positive integer literal", hint: "write LAG(x, 1)") }
                offset = Int(n)
            }
        }
        let type: SQLType
        switch resolved {
        case .countStar, .count, .approxCountDistinct: type = .bigint
        case .sum:
            guard argument!.type.isNumeric else { throw mismatch(at, "SUM needs a number, found \(argument!.type)") }
            type = argument!.type.kind == .integer ? .bigint : .double
        case .avg, .stddevPop, .stddevSamp, .varPop, .varSamp:
            guard argument!.type.isNumeric else { throw mismatch(at, "\(name) needs a number, found \(argument!.type)") }
            argument = coerce(argument!, .double)
            type = .double
        case .min, .max, .firstValue, .lastValue, .lag:
            if argument!.type.kind == .integer { argument = TypedExpr(argument!.node, argument!.type) }
            type = argument!.type
        }
        let slot = aggBase + aggregates.count
        aggregates.append(AggregatePlan(function: resolved, argument: argument, type: type, offset: offset))
        return TypedExpr(.slot(slot), type)
    }
}
