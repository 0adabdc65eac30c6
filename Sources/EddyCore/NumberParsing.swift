#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsing of numeric text (JSON numbers and CSV fields) straight from bytes.
public enum NumberParsing {
    public enum IntegerResult { case value(Int64), notInteger, overflow }

    /// Parses an optionally signed decimal integer. Fractions or exponents are `notInteger`.
    @inlinable public static func parseInteger(_ b: UnsafeRawBufferPointer) -> IntegerResult {
        var i = 0
        let n = b.count
        var negative = false
        if i < n, b[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if i < n, b[i] == UInt8(ascii: "+") { i += 1 }
        guard i < n else { return .notInteger }
        // Up to 18 digits cannot overflow: no checks per digit.
        if n - i <= 18 {
            var v: Int64 = 0
            while i < n {
                let d = b[i] &- 48
                guard d <= 9 else { return .notInteger }
                v = v &* 10 &+ Int64(d)
                i += 1
            }
            return .value(negative ? -v : v)
        }
        var v: Int64 = 0
        while i < n {
            let c = b[i]
            guard c >= 48, c <= 57 else { return .notInteger }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(c - 48)) : m.addingReportingOverflow(Int64(c - 48))
            if o1 || o2 { return .overflow }
            v = s
            i += 1
        }
        return .value(v)
    }

    @usableFromInline static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a JSON-style number into a correctly rounded Double. Exact fast path when the mantissa
    /// fits 53 bits and the power of ten is exactly representable; otherwise `strtod` on a stack copy.
    public static func parseDouble(_ b: UnsafeRawBufferPointer) -> Double? {
        let n = b.count
        var i = 0
        var negative = false
        if i < n, b[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if i < n, b[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var digitCount = 0
        var exponent = 0
        var sawDigit = false
        while i < n, b[i] >= 48, b[i] <= 57 {
            sawDigit = true
            if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(b[i] - 48); if mantissa != 0 { digitCount += 1 } } else { exponent += 1 }
            i += 1
        }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            var fracDigits = false
            while i < n, b[i] >= 48, b[i] <= 57 {
                fracDigits = true
                if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(b[i] - 48); if mantissa != 0 { digitCount += 1 }; exponent -= 1 }
                i += 1
            }
            if !fracDigits { return nil }
        }
        guard sawDigit else { return nil }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, b[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < n, b[i] == UInt8(ascii: "+") { i += 1 }
            var e = 0
            var sawExp = false
            while i < n, b[i] >= 48, b[i] <= 57 { if e < 100_000 { e = e * 10 + Int(b[i] - 48) }; i += 1; sawExp = true }
            if !sawExp { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        if mantissa < (1 << 53), digitCount <= 19, exponent >= -22, exponent <= 22 {
            var d = Double(mantissa)
            if exponent < 0 { d /= exactPowers[-exponent] } else { d *= exactPowers[exponent] }
            return negative ? -d : d
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for k in 0..<n { buf[k] = CChar(bitPattern: b[k]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }

    /// Whether the bytes are a JSON number (grammar only; used when skipping unmapped values).
    @inlinable public static func isJSONNumber(_ b: UnsafeRawBufferPointer) -> Bool {
        let n = b.count
        var i = 0
        if i < n, b[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < n, b[i] >= 48, b[i] <= 57 { i += 1 }
        if i == intStart || (b[intStart] == 48 && i - intStart > 1) { return false }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n, b[i] >= 48, b[i] <= 57 { i += 1 }
            if i == fracStart { return false }
        }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            let expStart = i
            while i < n, b[i] >= 48, b[i] <= 57 { i += 1 }
            if i == expStart { return false }
        }
        return i == n
    }

    /// Number of digits before the decimal point (for DECIMAL(p,s) overflow checks).
    @inlinable public static func integerDigits(_ value: Double) -> Int {
        var v = value.magnitude.rounded(.down)
        var digits = 0
        while v >= 1 { v /= 10; digits += 1 }
        return digits
    }
}
