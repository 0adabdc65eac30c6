import EddyCore
import EddySQL

/// The value of an expression: the slot's bits and whether it is NULL.
public struct Value {
    public var bits: UInt64
    public var isNull: Bool
    @inlinable public init(bits: UInt64, isNull: Bool) { self.bits = bits; self.isNull = isNull }
    @inlinable static var null: Value { Value(bits: 0, isNull: true) }
    @inlinable static func int(_ v: Int64) -> Value { Value(bits: UInt64(bitPattern: v), isNull: false) }
    @inlinable static func double(_ v: Double) -> Value { Value(bits: v.bitPattern, isNull: false) }
    @inlinable static func bool(_ v: Bool) -> Value { Value(bits: v ? 1 : 0, isNull: false) }
    @inlinable var int: Int64 { Int64(bitPattern: bits) }
    @inlinable var double: Double { Double(bitPattern: bits) }
}

/// A compiled expression: a closure over the frame. Closures are built once per pump, so evaluating
/// a row is a chain of direct calls on unboxed 8-byte values, with strings written to the frame's arena.
typealias Evaluator = (Frame) -> Value

/// Processing time seen by CURRENT_ROW_TIMESTAMP, set by the engine.
final class ProcessingClock {
    @exclusivity(unchecked) var now: Int64 = 0
}

/// Problems found while compiling (a resource a function needs could not load); the engine refuses
/// to start with them instead of computing NULLs.
final class CompileProblems {
    var messages: [String] = []
}

struct ExpressionCompiler {
    let clock: ProcessingClock
    let problems = CompileProblems()
    /// Shared by every SENTIMENT call compiled for one engine: a text scored by one pump is not scored again by the next.
    let sentimentMemo = SentimentMemo()

    func compile(_ e: TypedExpr) -> Evaluator {
        switch e.node {
        case .slot(let i):
            return { f in Value(bits: f.slots[i], isNull: f.nulls[i]) }
        case .rowtime:
            return { f in .int(f.rowtime) }
        case .literal(let literal):
            switch literal {
            case .null: return { _ in .null }
            case .integer(let v):
                if e.type.kind == .double { let d = Double(v); return { _ in .double(d) } }
                return { _ in .int(v) }
            case .double(let d): return { _ in .double(d) }
            case .boolean(let b): return { _ in .bool(b) }
            case .string(let s):
                if e.type == .timestamp, let ms = s.utf8.withContiguousStorageIfAvailable({ CivilTime.parseTimestamp(UnsafeRawBufferPointer($0)) }) ?? nil {
                    return { _ in .int(ms) }
                }
                let bytes = Array(s.utf8)
                return { f in
                    let ref = bytes.withUnsafeBytes { f.arena.store($0) }
                    return Value(bits: ref, isNull: false)
                }
            }
        case .arithmetic(let op, let l, let r):
            return arithmetic(op, compile(l), compile(r), double: e.type.kind == .double)
        case .compare(let op, let l, let r):
            return comparison(op, compile(l), compile(r), kind: l.type.kind)
        case .and(let l, let r):
            let a = compile(l), b = compile(r)
            return { f in
                let x = a(f)
                if !x.isNull, x.bits == 0 { return .bool(false) }
                let y = b(f)
                if !y.isNull, y.bits == 0 { return .bool(false) }
                return x.isNull || y.isNull ? .null : .bool(true)
            }
        case .or(let l, let r):
            let a = compile(l), b = compile(r)
            return { f in
                let x = a(f)
                if !x.isNull, x.bits != 0 { return .bool(true) }
                let y = b(f)
                if !y.isNull, y.bits != 0 { return .bool(true) }
                return x.isNull || y.isNull ? .null : .bool(false)
            }
        case .not(let x):
            let a = compile(x)
            return { f in let v = a(f); return v.isNull ? .null : .bool(v.bits == 0) }
        case .isNull(let x, let negated):
            let a = compile(x)
            return { f in .bool(a(f).isNull != negated) }
        case .like(let x, let p, let negated):
            let a = compile(x), b = compile(p)
            return { f in
                let s = a(f), pattern = b(f)
                if s.isNull || pattern.isNull { return .null }
                return .bool(Like.matches(f.arena.bytes(s.bits), f.arena.bytes(pattern.bits)) != negated)
            }
        case .caseWhen(let branches, let otherwise):
            let compiled = branches.map { (compile($0.condition), compile($0.result)) }
            let other = otherwise.map(compile)
            return { f in
                for (condition, result) in compiled {
                    let c = condition(f)
                    if !c.isNull, c.bits != 0 { return result(f) }
                }
                return other?(f) ?? .null
            }
        case .cast(let x):
            return Casts.compile(compile(x), from: x.type, to: e.type)
        case .call(let function, let args):
            return ScalarFunctions.compile(function, args.map(compile), argTypes: args.map(\.type), resultType: e.type, clock: clock, literalArgs: args, problems: problems,
                                           sentimentMemo: sentimentMemo)
        }
    }

    func arithmetic(_ op: String, _ a: @escaping Evaluator, _ b: @escaping Evaluator, double: Bool) -> Evaluator {
        if double {
            switch op {
            case "+": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .double(x.double + y.double) }
            case "-": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .double(x.double - y.double) }
            case "*": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .double(x.double * y.double) }
            case "/": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull || y.double == 0 ? .null : .double(x.double / y.double) }
            default: return { f in let x = a(f), y = b(f); return x.isNull || y.isNull || y.double == 0 ? .null : .double(x.double.truncatingRemainder(dividingBy: y.double)) }
            }
        }
        switch op {
        case "+": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .int(x.int &+ y.int) }
        case "-": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .int(x.int &- y.int) }
        case "*": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .int(x.int &* y.int) }
        case "/": return { f in let x = a(f), y = b(f); return x.isNull || y.isNull || y.int == 0 ? .null : .int(x.int.dividedReportingOverflow(by: y.int).partialValue) }
        default: return { f in let x = a(f), y = b(f); return x.isNull || y.isNull || y.int == 0 ? .null : .int(x.int.remainderReportingOverflow(dividingBy: y.int).partialValue) }
        }
    }

    func comparison(_ op: String, _ a: @escaping Evaluator, _ b: @escaping Evaluator, kind: ValueKind) -> Evaluator {
        let test: (Int) -> Bool = switch op {
        case "=": { $0 == 0 }
        case "<>": { $0 != 0 }
        case "<": { $0 < 0 }
        case "<=": { $0 <= 0 }
        case ">": { $0 > 0 }
        default: { $0 >= 0 }
        }
        switch kind {
        case .double:
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .bool(test(x.double < y.double ? -1 : x.double > y.double ? 1 : 0)) }
        case .string:
            return { f in
                let x = a(f), y = b(f)
                if x.isNull || y.isNull { return .null }
                return .bool(test(Compare.bytes(f.arena.bytes(x.bits), f.arena.bytes(y.bits))))
            }
        case .boolean:
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .bool(test(Int(x.bits) - Int(y.bits))) }
        case .integer, .timestamp, .date:
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .bool(test(x.int < y.int ? -1 : x.int > y.int ? 1 : 0)) }
        }
    }
}

enum Compare {
    @inline(__always) static func bytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Orders two values of one kind (NULL first), for group keys in output order.
    static func values(_ x: Value, _ y: Value, kind: ValueKind, _ ax: ByteArena, _ ay: ByteArena) -> Int {
        if x.isNull || y.isNull { return x.isNull == y.isNull ? 0 : (x.isNull ? -1 : 1) }
        switch kind {
        case .string: return bytes(ax.bytes(x.bits), ay.bytes(y.bits))
        case .double: return x.double < y.double ? -1 : (x.double > y.double ? 1 : 0)
        case .boolean: return Int(x.bits) - Int(y.bits)
        case .integer, .timestamp, .date: return x.int < y.int ? -1 : (x.int > y.int ? 1 : 0)
        }
    }
}

/// SQL LIKE with `%` and `_` over UTF-8 bytes (`_` matches one scalar).
enum Like {
    static func matches(_ s: UnsafeRawBufferPointer, _ p: UnsafeRawBufferPointer) -> Bool {
        var si = 0, pi = 0, starP = -1, starS = 0
        func scalarEnd(_ i: Int) -> Int {
            var j = i + 1
            while j < s.count, s[j] & 0xC0 == 0x80 { j += 1 }
            return j
        }
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "%") { starP = pi; pi += 1; starS = si; continue }
            if pi < p.count, p[pi] == UInt8(ascii: "_") { si = scalarEnd(si); pi += 1; continue }
            if pi < p.count, p[pi] == s[si] { si += 1; pi += 1; continue }
            if starP >= 0 { pi = starP + 1; starS = scalarEnd(starS); si = starS; continue }
            return false
        }
        while pi < p.count, p[pi] == UInt8(ascii: "%") { pi += 1 }
        return pi == p.count
    }
}
