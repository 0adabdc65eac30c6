import EddyCore

/// Recursive-descent parser for the KDA dialect plus Eddy's binding statements.
public struct Parser {
    var tokens: [Token]
    var index = 0

    /// Parses a whole topology file.
    public static func parse(_ text: String) throws(Diagnostic) -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        var statements: [Statement] = []
        while true {
            while parser.accept(symbol: ";") {}
            if case .end = parser.current.kind { break }
            statements.append(try parser.statement())
            if case .end = parser.current.kind { break }
            try parser.expect(symbol: ";", hint: "end each statement with ;")
        }
        return statements
    }

    var current: Token { tokens[index] }
    var next: Token { tokens[min(index + 1, tokens.count - 1)] }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    func isKeyword(_ word: String) -> Bool { current.keyword == word }

    mutating func accept(keyword: String) -> Bool {
        if isKeyword(keyword) { advance(); return true }
        return false
    }

    mutating func accept(symbol: String) -> Bool {
        if case .symbol(symbol) = current.kind { advance(); return true }
        return false
    }

    func isSymbol(_ s: String) -> Bool {
        if case .symbol(s) = current.kind { return true }
        return false
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(_, let spelling, let quoted): quoted ? "\"\(spelling)\"" : spelling
        case .string(let s): "'\(s)'"
        case .number(let n): n
        case .symbol(let s): s
        case .end: "end of file"
        }
    }

    func unexpected(_ expected: String, hint: String) -> Diagnostic {
        Diagnostic(current.location, "expected \(expected), found \(describe(current))", hint: hint)
    }

    mutating func expect(keyword: String, hint: String? = nil) throws(Diagnostic) {
        guard accept(keyword: keyword) else { throw unexpected(keyword, hint: hint ?? "write \(keyword) here") }
    }

    mutating func expect(symbol: String, hint: String? = nil) throws(Diagnostic) {
        guard accept(symbol: symbol) else { throw unexpected("'\(symbol)'", hint: hint ?? "write \(symbol) here") }
    }

    /// A name: folded KDA name and its spelling.
    mutating func identifier(_ what: String) throws(Diagnostic) -> (folded: String, spelling: String, location: SourceLocation) {
        guard case .identifier(let folded, let spelling, _) = current.kind else {
            throw unexpected(what, hint: "names are unquoted (folded to upper case) or \"quoted\" (case kept)")
        }
        let location = current.location
        advance()
        return (folded, spelling, location)
    }

    mutating func stringLiteral(_ what: String) throws(Diagnostic) -> String {
        guard case .string(let s) = current.kind else { throw unexpected(what, hint: "write it as a 'quoted string'") }
        advance()
        return s
    }

    mutating func integerLiteral(_ what: String) throws(Diagnostic) -> Int {
        guard case .number(let text) = current.kind, let v = Int(text) else { throw unexpected(what, hint: "write a whole number") }
        advance()
        return v
    }

    // MARK: statements

    mutating func statement() throws(Diagnostic) -> Statement {
        let location = current.location
        if accept(keyword: "CREATE") {
            if accept(keyword: "OR") { try expect(keyword: "REPLACE") }
            if accept(keyword: "STREAM") { return try createStream(location) }
            if accept(keyword: "PUMP") { return try createPump(location) }
            throw unexpected("STREAM or PUMP", hint: "Eddy topologies create streams and pumps")
        }
        if accept(keyword: "ALTER") {
            try expect(keyword: "STREAM")
            let name = try identifier("a stream name")
            try expect(keyword: "SET", hint: "bind a stream with ALTER STREAM \"name\" SET ('topic' = '...')")
            return .alterStream(name: name.folded, options: try options(), location: location)
        }
        throw unexpected("CREATE or ALTER", hint: "a topology holds CREATE STREAM, CREATE PUMP and ALTER STREAM ... SET statements")
    }

    mutating func createStream(_ location: SourceLocation) throws(Diagnostic) -> Statement {
        let name = try identifier("a stream name")
        try expect(symbol: "(", hint: "list the stream's columns in parentheses")
        var columns: [ColumnDefinition] = []
        repeat {
            let column = try identifier("a column name")
            let type = try sqlType()
            var path: String?
            if accept(keyword: "PATH") { path = try stringLiteral("a JSON path such as '$.a.b'") }
            columns.append(ColumnDefinition(name: column.folded, spelling: column.spelling, type: type, path: path, location: column.location))
        } while accept(symbol: ",")
        try expect(symbol: ")")
        var opts: [OptionDefinition] = []
        if accept(keyword: "WITH") { opts = try options() }
        return .createStream(name: name.folded, columns: columns, options: opts, location: location)
    }

    mutating func options() throws(Diagnostic) -> [OptionDefinition] {
        try expect(symbol: "(", hint: "options are ('key' = 'value', ...)")
        var result: [OptionDefinition] = []
        repeat {
            let location = current.location
            let key = try stringLiteral("an option name such as 'topic'")
            try expect(symbol: "=")
            let value = try stringLiteral("an option value in single quotes")
            result.append(OptionDefinition(key: key, value: value, location: location))
        } while accept(symbol: ",")
        try expect(symbol: ")")
        return result
    }

    mutating func sqlType() throws(Diagnostic) -> SQLType {
        let location = current.location
        let word = try identifier("a type").folded.uppercased()
        func size() throws(Diagnostic) -> Int {
            try expect(symbol: "(", hint: "\(word) needs a length, e.g. \(word)(32)")
            let n = try integerLiteral("a length")
            try expect(symbol: ")")
            return n
        }
        switch word {
        case "VARCHAR": return .varchar(try size())
        case "CHAR", "CHARACTER":
            if isSymbol("(") { return .char(try size()) }
            return .char(1)
        case "BOOLEAN": return .boolean
        case "TINYINT": return .tinyint
        case "SMALLINT": return .smallint
        case "INTEGER", "INT": return .integer
        case "BIGINT": return .bigint
        case "REAL": return .real
        case "DOUBLE":
            _ = accept(keyword: "PRECISION")
            return .double
        case "DECIMAL", "NUMERIC":
            guard accept(symbol: "(") else { return .decimal(precision: 18, scale: 0) }
            let p = try integerLiteral("a precision")
            var s = 0
            if accept(symbol: ",") { s = try integerLiteral("a scale") }
            try expect(symbol: ")")
            guard p >= 1, p <= 18, s >= 0, s <= p else {
                throw Diagnostic(location, "DECIMAL(\(p),\(s)) is out of range", hint: "use a precision of 1 to 18 and a scale between 0 and the precision")
            }
            return .decimal(precision: p, scale: s)
        case "DATE": return .date
        case "TIMESTAMP": return .timestamp
        default:
            throw Diagnostic(location, "unknown type \(word)", hint: "use VARCHAR(n), CHAR(n), BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, REAL, DOUBLE, DECIMAL(p,s), DATE or TIMESTAMP")
        }
    }

    mutating func createPump(_ location: SourceLocation) throws(Diagnostic) -> Statement {
        let name = try identifier("a pump name")
        try expect(keyword: "AS")
        try expect(keyword: "INSERT", hint: "a pump is CREATE PUMP \"p\" AS INSERT INTO \"stream\" SELECT STREAM ...")
        try expect(keyword: "INTO")
        let target = try identifier("a stream name")
        var columns: [(String, SourceLocation)]?
        if accept(symbol: "(") {
            var list: [(String, SourceLocation)] = []
            repeat {
                let c = try identifier("a column name")
                list.append((c.folded, c.location))
            } while accept(symbol: ",")
            try expect(symbol: ")")
            columns = list
        }
        let query = try select()
        return .createPump(name: name.folded, target: target.folded, targetColumns: columns, query: query, location: location)
    }

    mutating func select() throws(Diagnostic) -> SelectQuery {
        let location = current.location
        try expect(keyword: "SELECT")
        try expect(keyword: "STREAM", hint: "KDA queries read continuously: write SELECT STREAM")
        var items: [SelectItem] = []
        var star = false
        if accept(symbol: "*") {
            star = true
        } else {
            repeat {
                let e = try expression()
                var alias: String?
                if accept(keyword: "AS") {
                    alias = try identifier("a column alias").folded
                } else if case .identifier(let folded, _, let quoted) = current.kind, quoted || !Parser.reserved.contains(folded) {
                    alias = folded
                    advance()
                }
                items.append(SelectItem(expr: e, alias: alias))
            } while accept(symbol: ",")
        }
        try expect(keyword: "FROM")
        let from = try fromClause()
        var stagger: StaggerSpec?
        if isKeyword("WINDOWED") {
            let at = current.location
            advance()
            try expect(keyword: "BY")
            try expect(keyword: "STAGGER")
            try expect(symbol: "(")
            try expect(keyword: "PARTITION")
            try expect(keyword: "BY")
            var partition: [Expr] = []
            repeat { partition.append(try expression()) } while accept(symbol: ",")
            try expect(keyword: "RANGE", hint: "a stagger window needs RANGE INTERVAL 'n' unit")
            let range = try intervalMillis()
            try expect(symbol: ")")
            stagger = StaggerSpec(partitionBy: partition, rangeMillis: range, location: at)
        }
        var whereClause: Expr?
        if accept(keyword: "WHERE") { whereClause = try expression() }
        var groupBy: [Expr] = []
        if accept(keyword: "GROUP") {
            try expect(keyword: "BY")
            repeat { groupBy.append(try expression()) } while accept(symbol: ",")
        }
        var having: Expr?
        if accept(keyword: "HAVING") { having = try expression() }
        var windows: [(name: String, spec: WindowSpec)] = []
        if accept(keyword: "WINDOW") {
            repeat {
                let name = try identifier("a window name")
                try expect(keyword: "AS")
                windows.append((name.folded, try windowSpec()))
            } while accept(symbol: ",")
        }
        return SelectQuery(items: items, star: star, from: from, whereClause: whereClause, groupBy: groupBy, having: having,
                           windows: windows, stagger: stagger, location: location)
    }

    static let reserved: Set<String> = ["FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "WINDOWED", "AS", "AND", "OR", "ON", "OVER", "UNION"]

    mutating func fromClause() throws(Diagnostic) -> FromClause {
        let location = current.location
        if accept(keyword: "TABLE") {
            try expect(symbol: "(")
            let name = try identifier("a table function name")
            try expect(symbol: "(")
            var args: [TableFunctionArgument] = []
            if !isSymbol(")") {
                repeat {
                    if isKeyword("CURSOR") {
                        let at = current.location
                        advance()
                        try expect(symbol: "(")
                        let q = try select()
                        try expect(symbol: ")")
                        args.append(.cursor(q, at))
                    } else {
                        args.append(.value(try expression()))
                    }
                } while accept(symbol: ",")
            }
            try expect(symbol: ")")
            try expect(symbol: ")")
            return .tableFunction(name: name.folded, arguments: args, alias: try alias(), location: name.location)
        }
        let name = try identifier("a stream name")
        return .stream(name: name.folded, alias: try alias(), location: location)
    }

    mutating func alias() throws(Diagnostic) -> String? {
        if accept(keyword: "AS") { return try identifier("an alias").folded }
        if case .identifier(let folded, _, let quoted) = current.kind, quoted || !Parser.reserved.contains(folded) {
            advance()
            return folded
        }
        return nil
    }

    mutating func windowSpec() throws(Diagnostic) -> WindowSpec {
        let location = current.location
        try expect(symbol: "(")
        var partition: [Expr] = []
        if accept(keyword: "PARTITION") {
            try expect(keyword: "BY")
            repeat { partition.append(try expression()) } while accept(symbol: ",")
        }
        let frame: WindowSpec.Frame
        if accept(keyword: "RANGE") {
            frame = .range(millis: try intervalMillis())
        } else if accept(keyword: "ROWS") {
            frame = .rows(try integerLiteral("a row count"))
        } else {
            throw unexpected("RANGE or ROWS", hint: "a sliding window is RANGE INTERVAL 'n' unit PRECEDING or ROWS n PRECEDING")
        }
        try expect(keyword: "PRECEDING")
        try expect(symbol: ")")
        return WindowSpec(partitionBy: partition, frame: frame, location: location)
    }

    /// `INTERVAL 'n' unit` in milliseconds.
    mutating func intervalMillis() throws(Diagnostic) -> Int64 {
        let e = try primary()
        guard case .interval(let n, let unit) = e.kind else {
            throw Diagnostic(e.location, "expected an INTERVAL", hint: "write INTERVAL '10' SECOND")
        }
        return n * unit.millis
    }

    // MARK: expressions (precedence: OR < AND < NOT < comparison < || + - < * / % < unary)

    public mutating func expression() throws(Diagnostic) -> Expr {
        var left = try andExpression()
        while isKeyword("OR") {
            let at = current.location
            advance()
            left = Expr(kind: .binary("OR", left, try andExpression()), location: at)
        }
        return left
    }

    mutating func andExpression() throws(Diagnostic) -> Expr {
        var left = try notExpression()
        while isKeyword("AND") {
            let at = current.location
            advance()
            left = Expr(kind: .binary("AND", left, try notExpression()), location: at)
        }
        return left
    }

    mutating func notExpression() throws(Diagnostic) -> Expr {
        if isKeyword("NOT") {
            let at = current.location
            advance()
            return Expr(kind: .not(try notExpression()), location: at)
        }
        return try comparison()
    }

    mutating func comparison() throws(Diagnostic) -> Expr {
        let left = try additive()
        let at = current.location
        for op in ["=", "<>", "<", "<=", ">", ">="] where isSymbol(op) {
            advance()
            return Expr(kind: .binary(op, left, try additive()), location: at)
        }
        if accept(keyword: "IS") {
            let negated = accept(keyword: "NOT")
            try expect(keyword: "NULL", hint: "write IS NULL or IS NOT NULL")
            return Expr(kind: .isNull(left, negated: negated), location: at)
        }
        var negated = false
        if isKeyword("NOT"), let k = next.keyword, ["LIKE", "IN", "BETWEEN"].contains(k) { advance(); negated = true }
        if accept(keyword: "LIKE") { return Expr(kind: .like(left, try additive(), negated: negated), location: at) }
        if accept(keyword: "IN") {
            try expect(symbol: "(")
            var list: [Expr] = []
            repeat { list.append(try expression()) } while accept(symbol: ",")
            try expect(symbol: ")")
            return Expr(kind: .inList(left, list, negated: negated), location: at)
        }
        if accept(keyword: "BETWEEN") {
            let low = try additive()
            try expect(keyword: "AND")
            return Expr(kind: .between(left, low, try additive(), negated: negated), location: at)
        }
        return left
    }

    mutating func additive() throws(Diagnostic) -> Expr {
        var left = try multiplicative()
        while true {
            let at = current.location
            if accept(symbol: "+") { left = Expr(kind: .binary("+", left, try multiplicative()), location: at) }
            else if accept(symbol: "-") { left = Expr(kind: .binary("-", left, try multiplicative()), location: at) }
            else if accept(symbol: "||") { left = Expr(kind: .binary("||", left, try multiplicative()), location: at) }
            else { return left }
        }
    }

    mutating func multiplicative() throws(Diagnostic) -> Expr {
        var left = try unary()
        while true {
            let at = current.location
            if accept(symbol: "*") { left = Expr(kind: .binary("*", left, try unary()), location: at) }
            else if accept(symbol: "/") { left = Expr(kind: .binary("/", left, try unary()), location: at) }
            else if accept(symbol: "%") { left = Expr(kind: .binary("%", left, try unary()), location: at) }
            else { return left }
        }
    }

    mutating func unary() throws(Diagnostic) -> Expr {
        let at = current.location
        if accept(symbol: "-") { return Expr(kind: .negate(try unary()), location: at) }
        if accept(symbol: "+") { return try unary() }
        return try primary()
    }

    mutating func timeUnit() throws(Diagnostic) -> TimeUnit {
        let at = current.location
        let word = try identifier("a time unit").folded
        guard let unit = TimeUnit(word: word) else {
            throw Diagnostic(at, "unknown time unit \(word)", hint: "use MILLISECOND, SECOND, MINUTE, HOUR or DAY")
        }
        return unit
    }

    mutating func primary() throws(Diagnostic) -> Expr {
        let token = current
        let at = token.location
        switch token.kind {
        case .number(let text):
            advance()
            if let v = Int64(text) { return Expr(kind: .integer(v), location: at) }
            if let d = Double(text) { return Expr(kind: .decimal(d), location: at) }
            throw Diagnostic(at, "bad number \(text)", hint: "write digits with at most one decimal point")
        case .string(let s):
            advance()
            return Expr(kind: .string(s), location: at)
        case .symbol("("):
            advance()
            let e = try expression()
            try expect(symbol: ")")
            return e
        case .identifier(let folded, _, let quoted):
            if !quoted {
                switch folded {
                case "NULL": advance(); return Expr(kind: .null, location: at)
                case "TRUE": advance(); return Expr(kind: .boolean(true), location: at)
                case "FALSE": advance(); return Expr(kind: .boolean(false), location: at)
                case "INTERVAL":
                    advance()
                    let text = try stringLiteral("the interval amount, e.g. '10'")
                    guard let n = Int64(text.trimmingSpaces) else {
                        throw Diagnostic(at, "bad interval amount '\(text)'", hint: "write a whole number, e.g. INTERVAL '10' SECOND")
                    }
                    return Expr(kind: .interval(n, try timeUnit()), location: at)
                case "CASE": advance(); return try caseExpression(at)
                case "CAST":
                    advance()
                    try expect(symbol: "(")
                    let e = try expression()
                    try expect(keyword: "AS")
                    let type = try sqlType()
                    try expect(symbol: ")")
                    return Expr(kind: .cast(e, type), location: at)
                default: break
                }
            }
            advance()
            if !quoted, isSymbol("(") { return try functionCall(folded, at) }
            if accept(symbol: ".") {
                let column = try identifier("a column name")
                return Expr(kind: .column(qualifier: folded, name: column.folded), location: at)
            }
            return Expr(kind: .column(qualifier: nil, name: folded), location: at)
        default:
            throw unexpected("an expression", hint: "write a column, a literal, or a function call")
        }
    }

    mutating func caseExpression(_ at: SourceLocation) throws(Diagnostic) -> Expr {
        var operand: Expr?
        if !isKeyword("WHEN") { operand = try expression() }
        var branches: [WhenBranch] = []
        while accept(keyword: "WHEN") {
            let condition = try expression()
            try expect(keyword: "THEN")
            branches.append(WhenBranch(condition: condition, result: try expression()))
        }
        if branches.isEmpty { throw unexpected("WHEN", hint: "CASE needs at least one WHEN ... THEN ...") }
        var otherwise: Expr?
        if accept(keyword: "ELSE") { otherwise = try expression() }
        try expect(keyword: "END", hint: "close CASE with END")
        return Expr(kind: .caseWhen(operand: operand, branches: branches, otherwise: otherwise), location: at)
    }

    mutating func functionCall(_ name: String, _ at: SourceLocation) throws(Diagnostic) -> Expr {
        try expect(symbol: "(")
        switch name {
        case "FLOOR", "CEIL", "CEILING":
            let e = try expression()
            if accept(keyword: "TO") {
                let unit = try timeUnit()
                try expect(symbol: ")")
                return Expr(kind: name == "FLOOR" ? .floorTo(e, unit) : .ceilTo(e, unit), location: at)
            }
            try expect(symbol: ")")
            return Expr(kind: .function(name: name == "CEILING" ? "CEIL" : name, args: [e], star: false, over: nil), location: at)
        case "STEP":
            let e = try expression()
            try expect(keyword: "BY", hint: "write STEP(s.ROWTIME BY INTERVAL '10' SECOND)")
            let interval = try expression()
            try expect(symbol: ")")
            return Expr(kind: .step(e, interval), location: at)
        case "POSITION":
            let needle = try additive()
            try expect(keyword: "IN")
            let haystack = try expression()
            try expect(symbol: ")")
            return Expr(kind: .position(needle, haystack), location: at)
        case "SUBSTRING":
            let s = try expression()
            let from: Expr
            var length: Expr?
            if accept(keyword: "FROM") {
                from = try expression()
                if accept(keyword: "FOR") { length = try expression() }
            } else {
                try expect(symbol: ",")
                from = try expression()
                if accept(symbol: ",") { length = try expression() }
            }
            try expect(symbol: ")")
            return Expr(kind: .substring(s, from, length), location: at)
        case "TRIM":
            var side = "BOTH"
            if let k = current.keyword, ["LEADING", "TRAILING", "BOTH"].contains(k) { side = k; advance() }
            var chars: Expr?
            var target: Expr
            if accept(keyword: "FROM") {
                target = try expression()
            } else {
                target = try expression()
                if accept(keyword: "FROM") { chars = target; target = try expression() }
            }
            try expect(symbol: ")")
            return Expr(kind: .trim(side: side, chars: chars, target), location: at)
        default:
            var args: [Expr] = []
            var star = false
            if accept(symbol: "*") {
                star = true
            } else if !isSymbol(")") {
                _ = accept(keyword: "ALL")
                repeat { args.append(try expression()) } while accept(symbol: ",")
            }
            try expect(symbol: ")")
            var over: WindowReference?
            if accept(keyword: "OVER") {
                if isSymbol("(") {
                    over = .inline(try windowSpec())
                } else {
                    let w = try identifier("a window name")
                    over = .named(w.folded, w.location)
                }
            }
            return Expr(kind: .function(name: name, args: args, star: star, over: over), location: at)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
