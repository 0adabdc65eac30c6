import EddyCore

/// Conversions from the date and time notations found in record files to epoch milliseconds UTC.
///
/// Hand-written rather than Foundation's `ISO8601DateFormatter` so the rules are exact and the
/// same on every platform, and so the module stays free of Foundation.
public enum EpochTime {
    /// Numbers with a magnitude below this are epoch *seconds*; at or above it, milliseconds.
    /// 10^11 seconds is the year 5138, and 10^11 milliseconds is March 1973, so real-world
    /// values of either unit are never ambiguous.
    public static let secondsMillisecondsThreshold: Double = 100_000_000_000

    /// Parses `YYYY-MM-DD` (midnight UTC) or an ISO-8601 timestamp
    /// `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[:MM]|±HHMM]`. A timestamp without a zone is UTC.
    /// Fractions beyond milliseconds are truncated. Returns nil for anything else, including
    /// impossible dates such as 2026-02-30.
    public static func millis(parsingISO8601 text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in millis(parsingISO8601: buffer) }
    }

    static func millis(parsingISO8601 bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var millis = CivilTime.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)) * CivilTime.millisPerDay
        if index == bytes.count { return millis }
        guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        guard let hour = digits(2), hour < 24, expect(UInt8(ascii: ":")), let minute = digits(2), minute < 60 else { return nil }
        var second = 0
        var fractionMillis = 0
        if expect(UInt8(ascii: ":")) {
            guard let parsed = digits(2), parsed < 60 else { return nil }
            second = parsed
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var fractionDigits = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    if fractionDigits < 3 { fractionMillis = fractionMillis * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    fractionDigits += 1
                    index += 1
                }
                guard fractionDigits > 0 else { return nil }
                for _ in fractionDigits..<max(fractionDigits, 3) { fractionMillis *= 10 }
            }
        }
        millis += Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + fractionMillis)
        if index == bytes.count { return millis }
        let sign = bytes[index]
        index += 1
        switch sign {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return index == bytes.count ? millis : nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let offsetHours = digits(2), offsetHours < 24 else { return nil }
            var offsetMinutes = 0
            if index < bytes.count {
                _ = expect(UInt8(ascii: ":"))
                guard let parsed = digits(2), parsed < 60 else { return nil }
                offsetMinutes = parsed
            }
            guard index == bytes.count else { return nil }
            let offset = Int64(offsetHours * 3_600_000 + offsetMinutes * 60_000)
            // Local time = UTC + offset, so UTC = local - offset.
            return sign == UInt8(ascii: "+") ? millis - offset : millis + offset
        default:
            return nil
        }
    }

    /// Interprets an epoch number: seconds below `secondsMillisecondsThreshold`, else milliseconds.
    /// Fractional seconds are kept to the millisecond (rounded). Nil if not finite or out of range.
    public static func millis(fromEpochNumber value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        let millis = abs(value) < secondsMillisecondsThreshold ? (value * 1000).rounded() : value.rounded()
        guard millis > -9.2e18, millis < 9.2e18 else { return nil }
        return Int64(millis)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
