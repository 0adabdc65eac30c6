/// Calendar arithmetic on epoch milliseconds and days, without Foundation (Howard Hinnant's
/// `days_from_civil` / `civil_from_days`), so formatting a timestamp writes bytes and allocates nothing.
public enum CivilTime {
    public static let millisPerDay: Int64 = 86_400_000

    @inlinable public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    @inlinable public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Floor division that rounds toward negative infinity (times before 1970 stay in the right window).
    @inlinable public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Writes `yyyy-MM-ddTHH:mm:ss.SSSZ` (24 bytes) for epoch milliseconds.
    @inlinable public static func writeISO(_ millis: Int64, into arena: ByteArena) {
        let days = floorDiv(millis, millisPerDay)
        var rem = millis - days * millisPerDay
        let (y, mo, d) = civilFromDays(days)
        let h = rem / 3_600_000; rem -= h * 3_600_000
        let mi = rem / 60_000; rem -= mi * 60_000
        let s = rem / 1000
        let ms = rem - s * 1000
        let p = arena.reserve(24)
        writeDigits(p, y, 4); p[4] = UInt8(ascii: "-")
        writeDigits(p + 5, mo, 2); p[7] = UInt8(ascii: "-")
        writeDigits(p + 8, d, 2); p[10] = UInt8(ascii: "T")
        writeDigits(p + 11, h, 2); p[13] = UInt8(ascii: ":")
        writeDigits(p + 14, mi, 2); p[16] = UInt8(ascii: ":")
        writeDigits(p + 17, s, 2); p[19] = UInt8(ascii: ".")
        writeDigits(p + 20, ms, 3); p[23] = UInt8(ascii: "Z")
        arena.commit(24)
    }

    /// Writes `yyyy-MM-dd` for days since epoch.
    @inlinable public static func writeDate(_ days: Int64, into arena: ByteArena) {
        let (y, mo, d) = civilFromDays(days)
        let p = arena.reserve(10)
        writeDigits(p, y, 4); p[4] = UInt8(ascii: "-")
        writeDigits(p + 5, mo, 2); p[7] = UInt8(ascii: "-")
        writeDigits(p + 8, d, 2)
        arena.commit(10)
    }

    @inlinable static func writeDigits(_ p: UnsafeMutablePointer<UInt8>, _ value: Int64, _ width: Int) {
        var v = value < 0 ? -value : value
        var i = width - 1
        while i >= 0 {
            p[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            i -= 1
        }
    }

    /// ISO-8601 text of epoch milliseconds (allocates; for tests and the CLI).
    public static func isoString(_ millis: Int64) -> String {
        let arena = ByteArena(capacity: 32)
        writeISO(millis, into: arena)
        return String(decoding: UnsafeRawBufferPointer(start: arena.storage, count: arena.count), as: UTF8.self)
    }

    /// Parses `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss[.SSS]`, `yyyy-MM-ddTHH:mm:ss[.SSS][Z]` into epoch
    /// milliseconds. Returns nil on anything else.
    public static func parseTimestamp(_ b: UnsafeRawBufferPointer) -> Int64? {
        let n = b.count
        guard n >= 10, let y = digits(b, 0, 4), b[4] == UInt8(ascii: "-"), let mo = digits(b, 5, 2),
              b[7] == UInt8(ascii: "-"), let d = digits(b, 8, 2), (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var millis = daysFromCivil(year: y, month: mo, day: d) &* millisPerDay
        if n == 10 { return millis }
        guard n >= 19, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              let h = digits(b, 11, 2), b[13] == UInt8(ascii: ":"), let mi = digits(b, 14, 2),
              b[16] == UInt8(ascii: ":"), let s = digits(b, 17, 2), h < 24, mi < 60, s < 61
        else { return nil }
        millis += h * 3_600_000 + mi * 60_000 + s * 1000
        var i = 19
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            var fraction: Int64 = 0
            let start = i
            while i < n, b[i] >= 48, b[i] <= 57 {
                if scale > 0 { fraction += Int64(b[i] - 48) * scale; scale /= 10 }
                i += 1
            }
            if i == start { return nil }
            millis += fraction
        }
        if i < n, b[i] == UInt8(ascii: "Z") { i += 1 }
        return i == n ? millis : nil
    }

    /// Parses `yyyy-MM-dd` into days since epoch.
    public static func parseDate(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count == 10, let ms = parseTimestamp(b) else { return nil }
        return ms / millisPerDay
    }

    @inlinable static func digits(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int64? {
        var v: Int64 = 0
        for i in start..<(start + count) {
            let c = b[i]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
        }
        return v
    }
}
