#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EddyCore
import EddySQL
import EddySentiment

/// Implementations of the dialect's scalar functions as evaluators.
enum ScalarFunctions {
    static func compile(_ function: ScalarFunction, _ args: [Evaluator], argTypes: [SQLType], resultType: SQLType,
                        clock: ProcessingClock, literalArgs: [TypedExpr], problems: CompileProblems,
                        sentimentMemo: SentimentMemo) -> Evaluator {
        switch function {
        case .concat:
            let a = args[0], b = args[1]
            return { f in
                let x = a(f), y = b(f)
                if x.isNull || y.isNull { return .null }
                let start = f.arena.count
                let lx = StringRef.length(x.bits), ly = StringRef.length(y.bits)
                let p = f.arena.reserve(lx + ly)
                p.update(from: f.arena.storage + StringRef.offset(x.bits), count: lx)
                (p + lx).update(from: f.arena.storage + StringRef.offset(y.bits), count: ly)
                f.arena.commit(lx + ly)
                return Value(bits: StringRef.make(offset: start, length: lx + ly), isNull: false)
            }
        case .upper, .lower:
            let a = args[0]
            let upper = function == .upper
            return { f in
                let x = a(f)
                if x.isNull { return .null }
                let n = StringRef.length(x.bits)
                let start = f.arena.count
                let p = f.arena.reserve(n)
                let src = f.arena.storage + StringRef.offset(x.bits)
                for i in 0..<n {
                    let c = src[i]
                    p[i] = upper ? (c >= 97 && c <= 122 ? c - 32 : c) : (c >= 65 && c <= 90 ? c + 32 : c)
                }
                f.arena.commit(n)
                return Value(bits: StringRef.make(offset: start, length: n), isNull: false)
            }
        case .charLength:
            let a = args[0]
            return { f in let x = a(f); return x.isNull ? .null : .int(Int64(UTF8Validation.scalarCount(f.arena.bytes(x.bits)))) }
        case .substring:
            let s = args[0], from = args[1], length = args.count > 2 ? args[2] : nil
            return { f in
                let x = s(f), start = from(f)
                if x.isNull || start.isNull { return .null }
                var count = Int64.max
                if let length { let l = length(f); if l.isNull { return .null }; count = max(l.int, 0) }
                let bytes = f.arena.bytes(x.bits)
                // SQL positions are 1-based and count scalars.
                var first = start.int - 1
                if first < 0 { count = count == .max ? .max : max(count + first, 0); first = 0 }
                let (b, e) = scalarRange(bytes, from: Int(first), count: count)
                return Value(bits: StringRef.make(offset: StringRef.offset(x.bits) + b, length: e - b), isNull: false)
            }
        case .trimBoth, .trimLeading, .trimTrailing:
            let s = args[0], chars = args[1]
            let leading = function != .trimTrailing, trailing = function != .trimLeading
            return { f in
                let x = s(f), c = chars(f)
                if x.isNull || c.isNull { return .null }
                let bytes = f.arena.bytes(x.bits), set = f.arena.bytes(c.bits)
                var b = 0, e = bytes.count
                if leading { while b < e, set.contains(bytes[b]) { b += 1 } }
                if trailing { while e > b, set.contains(bytes[e - 1]) { e -= 1 } }
                return Value(bits: StringRef.make(offset: StringRef.offset(x.bits) + b, length: e - b), isNull: false)
            }
        case .position:
            let needle = args[0], haystack = args[1]
            return { f in
                let n = needle(f), h = haystack(f)
                if n.isNull || h.isNull { return .null }
                let nb = f.arena.bytes(n.bits), hb = f.arena.bytes(h.bits)
                if nb.isEmpty { return .int(1) }
                if nb.count > hb.count { return .int(0) }
                for i in 0...(hb.count - nb.count) where hb[i] == nb[0] {
                    if Compare.bytes(UnsafeRawBufferPointer(rebasing: hb[i..<(i + nb.count)]), nb) == 0 {
                        return .int(Int64(UTF8Validation.scalarCount(UnsafeRawBufferPointer(rebasing: hb[0..<i])) + 1))
                    }
                }
                return .int(0)
            }
        case .regexReplace:
            guard case .literal(.string(let pattern)) = literalArgs[1].node, let regex = try? Regex(pattern) else {
                return { _ in .null }
            }
            let s = args[0], replacement = args[2]
            return { f in
                let x = s(f), r = replacement(f)
                if x.isNull || r.isNull { return .null }
                let text = f.arena.string(x.bits)
                let result = text.replacing(regex, with: f.arena.string(r.bits))
                return Value(bits: f.arena.store(result), isNull: false)
            }
        case .charToTimestamp:
            let format = args[0], s = args[1]
            return { f in
                let fm = format(f), x = s(f)
                if fm.isNull || x.isNull { return .null }
                guard let ms = TimestampFormat.parse(f.arena.bytes(x.bits), format: f.arena.bytes(fm.bits)) else { return .null }
                return .int(ms)
            }
        case .timestampToChar:
            let format = args[0], ts = args[1]
            return { f in
                let fm = format(f), t = ts(f)
                if fm.isNull || t.isNull { return .null }
                let start = f.arena.count
                TimestampFormat.format(t.int, format: fm.bits, into: f.arena)
                return Value(bits: StringRef.make(offset: start, length: f.arena.count - start), isNull: false)
            }
        case .abs:
            let a = args[0]
            if resultType.kind == .double { return { f in let x = a(f); return x.isNull ? .null : .double(x.double.magnitude) } }
            return { f in let x = a(f); return x.isNull ? .null : .int(x.int == .min ? .min : Swift.abs(x.int)) }
        case .floor, .ceil:
            let a = args[0]
            if resultType.kind != .double { return a }
            let rule: FloatingPointRoundingRule = function == .floor ? .down : .up
            return { f in let x = a(f); return x.isNull ? .null : .double(x.double.rounded(rule)) }
        case .round:
            let a = args[0], digits = args.count > 1 ? args[1] : nil
            let isDouble = resultType.kind == .double
            return { f in
                let x = a(f)
                if x.isNull { return .null }
                var d: Int64 = 0
                if let digits { let v = digits(f); if v.isNull { return .null }; d = v.int }
                if !isDouble {
                    guard d < 0 else { return x }
                    var p: Int64 = 1
                    for _ in 0..<min(-d, 18) { p *= 10 }
                    let q = (Double(x.int) / Double(p)).rounded(.toNearestOrAwayFromZero)
                    guard q.magnitude < 9.2e18 else { return .null }
                    return .int(Int64(q).multipliedReportingOverflow(by: p).partialValue)
                }
                let scale = pow(10.0, Double(d))
                return .double((x.double * scale).rounded(.toNearestOrAwayFromZero) / scale)
            }
        case .ln:
            let a = args[0]
            return { f in let x = a(f); return x.isNull || x.double <= 0 ? .null : .double(log(x.double)) }
        case .exp:
            let a = args[0]
            return { f in let x = a(f); return x.isNull ? .null : .double(Glibc.exp(x.double)) }
        case .power:
            let a = args[0], b = args[1]
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .double(pow(x.double, y.double)) }
        case .mod:
            let a = args[0], b = args[1]
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull || y.int == 0 ? .null : .int(x.int.remainderReportingOverflow(dividingBy: y.int).partialValue) }
        case .floorTo, .ceilTo:
            let a = args[0]
            guard case .literal(.integer(let unit)) = literalArgs[1].node else { return { _ in .null } }
            let ceil = function == .ceilTo
            return { f in
                let x = a(f)
                if x.isNull { return .null }
                let floor = CivilTime.floorDiv(x.int, unit) &* unit
                return .int(ceil && floor != x.int ? floor &+ unit : floor)
            }
        case .tsdiff:
            let a = args[0], b = args[1]
            return { f in let x = a(f), y = b(f); return x.isNull || y.isNull ? .null : .int(x.int &- y.int) }
        case .currentRowTimestamp:
            return { _ in .int(clock.now) }
        case .sentiment:
            return sentiment(args[0], memo: sentimentMemo, problems: problems)
        }
    }

    /// SENTIMENT(text): VADER's compound score over the string's bytes in the frame arena, through
    /// the engine's `SentimentMemo` (one scratch, so long texts stop allocating once it has grown;
    /// the same text scored by two pumps of one record costs one VADER pass). Source strings are
    /// UTF-8-validated on input, so the scorer's invalid-UTF-8 error cannot occur for them; a string
    /// built otherwise that is not UTF-8 gives NULL.
    static func sentiment(_ text: @escaping Evaluator, memo: SentimentMemo, problems: CompileProblems) -> Evaluator {
        let scorer: SentimentScorer
        do { scorer = try SentimentScorer.shared() } catch {
            problems.messages.append("SENTIMENT cannot load its lexicons: \(error)")
            return { _ in .null }
        }
        return { f in
            let x = text(f)
            if x.isNull { return .null }
            guard let score = memo.compound(f.arena.bytes(x.bits), scorer: scorer) else { return .null }
            return .double(score)
        }
    }

    /// Byte range of `count` scalars starting at scalar `from`.
    static func scalarRange(_ b: UnsafeRawBufferPointer, from: Int, count: Int64) -> (Int, Int) {
        var i = 0, scalar = 0
        while i < b.count, scalar < from {
            i += 1
            while i < b.count, b[i] & 0xC0 == 0x80 { i += 1 }
            scalar += 1
        }
        let start = i
        var taken: Int64 = 0
        while i < b.count, taken < count {
            i += 1
            while i < b.count, b[i] & 0xC0 == 0x80 { i += 1 }
            taken += 1
        }
        return (start, i)
    }
}

/// The Java-style patterns KDA's CHAR_TO_TIMESTAMP and TIMESTAMP_TO_CHAR take:
/// yyyy, MM, dd, HH, mm, ss, SSS; other letters are not supported, other characters are literal.
enum TimestampFormat {
    static func parse(_ text: UnsafeRawBufferPointer, format: UnsafeRawBufferPointer) -> Int64? {
        var fields: [UInt8: Int64] = [UInt8(ascii: "y"): 1970, UInt8(ascii: "M"): 1, UInt8(ascii: "d"): 1]
        var ti = 0, fi = 0
        while fi < format.count {
            let c = format[fi]
            var run = 1
            while fi + run < format.count, format[fi + run] == c { run += 1 }
            if "yMdHmsS".utf8.contains(c) {
                var v: Int64 = 0
                for _ in 0..<run {
                    guard ti < text.count, text[ti] >= 48, text[ti] <= 57 else { return nil }
                    v = v &* 10 &+ Int64(text[ti] - 48); ti += 1
                }
                fields[c] = v
            } else {
                for _ in 0..<run {
                    guard ti < text.count, text[ti] == c else { return nil }
                    ti += 1
                }
            }
            fi += run
        }
        guard ti == text.count else { return nil }
        let days = CivilTime.daysFromCivil(year: fields[UInt8(ascii: "y")]!, month: fields[UInt8(ascii: "M")]!, day: fields[UInt8(ascii: "d")]!)
        let time = (fields[UInt8(ascii: "H")] ?? 0) &* 3_600_000 &+ (fields[UInt8(ascii: "m")] ?? 0) &* 60_000
            &+ (fields[UInt8(ascii: "s")] ?? 0) &* 1000 &+ (fields[UInt8(ascii: "S")] ?? 0)
        return days &* CivilTime.millisPerDay &+ time
    }

    static func format(_ millis: Int64, format ref: UInt64, into arena: ByteArena) {
        let fmt = Array(arena.bytes(ref))
        let days = CivilTime.floorDiv(millis, CivilTime.millisPerDay)
        var rem = millis - days * CivilTime.millisPerDay
        let (y, mo, d) = CivilTime.civilFromDays(days)
        let h = rem / 3_600_000; rem -= h * 3_600_000
        let mi = rem / 60_000; rem -= mi * 60_000
        let s = rem / 1000, ms = rem % 1000
        var fi = 0
        while fi < fmt.count {
            let c = fmt[fi]
            var run = 1
            while fi + run < fmt.count, fmt[fi + run] == c { run += 1 }
            let value: Int64? = switch c {
            case UInt8(ascii: "y"): y
            case UInt8(ascii: "M"): mo
            case UInt8(ascii: "d"): d
            case UInt8(ascii: "H"): h
            case UInt8(ascii: "m"): mi
            case UInt8(ascii: "s"): s
            case UInt8(ascii: "S"): ms
            default: nil
            }
            if let value {
                let p = arena.reserve(run)
                var v = value
                var i = run - 1
                while i >= 0 { p[i] = UInt8(48 + v % 10); v /= 10; i -= 1 }
                arena.commit(run)
            } else {
                for _ in 0..<run { arena.append(c) }
            }
            fi += run
        }
    }
}
