import EddyCore
import Testing

@Suite struct CoreTests {
    @Test func isoFormattingAndParsingRoundTrip() {
        #expect(CivilTime.isoString(1_795_496_410_000) == "2026-11-24T05:00:10.000Z")
        #expect(CivilTime.isoString(-1) == "1969-12-31T23:59:59.999Z")
        let text = "2026-11-24T05:00:10.123Z"
        #expect(text.utf8.withContiguousStorageIfAvailable { CivilTime.parseTimestamp(UnsafeRawBufferPointer($0)) } == 1_795_496_410_123)
    }

    @Test("calendar conversion round-trips over four centuries")
    func civilRoundTrip() {
        for day in stride(from: Int64(-146_097), through: 146_097, by: 7) {
            let civil = CivilTime.civilFromDays(day)
            #expect(CivilTime.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) == day)
        }
    }

    @Test func numbersParseExactlyAndDetectOverflow() {
        func parse(_ s: String) -> Double? { Array(s.utf8).withUnsafeBytes { NumberParsing.parseDouble($0) } }
        #expect(parse("4.5") == 4.5)
        #expect(parse("-1e-7") == -1e-7)
        #expect(parse("12345678901234567890.5") == 12345678901234567890.5)
        #expect(parse("1.") == nil)
        let overflow = Array("9223372036854775808".utf8).withUnsafeBytes { NumberParsing.parseInteger($0) }
        guard case .overflow = overflow else { Issue.record("expected overflow"); return }
    }

    @Test func utf8ValidationRejectsOverlongAndSurrogates() {
        #expect([UInt8]("héllo".utf8).withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) } == nil)
        #expect([UInt8]([0x41, 0xC0, 0x80]).withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) } == 1)
        #expect([UInt8]([0xED, 0xA0, 0x80]).withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) } == 0)
    }
}
