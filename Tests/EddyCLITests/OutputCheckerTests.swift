import Testing

/// The checker the crash tests rely on must itself catch every kind of wrong answer.
@Suite("Recovery output checker")
struct OutputCheckerTests {
    static let identity = ["PRODUCT_CATEGORY", "WINDOW_START"]

    static func row(_ category: String, _ window: String, count: Int, average: Double, key: String? = nil) throws -> CheckedRow {
        let json = "{\"PRODUCT_CATEGORY\":\"\(category)\",\"WINDOW_START\":\"\(window)\",\"REVIEWS\":\(count),\"AVG_STARS\":\(average)}"
        return try OutputChecker.row(stream: "RATINGS", value: Array(json.utf8), key: key.map { Array($0.utf8) }, identityFields: identity)
    }

    static func reference() throws -> [CheckedRow] {
        [try row("Books", "2026-11-24T09:00:00.000Z", count: 12, average: 4.25),
         try row("Toys", "2026-11-24T09:00:00.000Z", count: 3, average: 1.0 / 3.0),
         try row("Books", "2026-11-24T09:00:01.000Z", count: 7, average: 3.5)]
    }

    @Test("The same rows in another order, with repeats of identical rows: passes and counts the repeats")
    func identicalWithRepeats() throws {
        let reference = try Self.reference()
        let candidate = [reference[2], reference[0], reference[1], reference[2], reference[0]]
        let report = OutputChecker.compare(reference: reference, candidate: candidate)
        #expect(report.passed, "\(report.summary)")
        #expect(report.repeats == 2)
        #expect(report.distinctCandidateRows == 3)
    }

    @Test("A window the candidate never produced is reported missing")
    func missingWindow() throws {
        let reference = try Self.reference()
        let report = OutputChecker.compare(reference: reference, candidate: Array(reference.prefix(2)))
        #expect(!report.passed)
        #expect(report.missing == ["RATINGS|PRODUCT_CATEGORY=\"Books\"|WINDOW_START=\"2026-11-24T09:00:01.000Z\""])
    }

    @Test("Floating point within 1e-9 relative matches; a count off by one or an average off by 1e-6 does not")
    func tolerance() throws {
        let reference = try Self.reference()
        let close = try Self.row("Toys", "2026-11-24T09:00:00.000Z", count: 3, average: 1.0 / 3.0 * (1 + 1e-12))
        #expect(OutputChecker.compare(reference: reference, candidate: [reference[0], close, reference[2]]).passed)
        let offAverage = try Self.row("Toys", "2026-11-24T09:00:00.000Z", count: 3, average: 1.0 / 3.0 * (1 + 1e-6))
        let offCount = try Self.row("Books", "2026-11-24T09:00:00.000Z", count: 13, average: 4.25)
        let report = OutputChecker.compare(reference: reference, candidate: [offCount, offAverage, reference[2]])
        #expect(report.mismatched.count == 2, "\(report.summary)")
    }

    @Test("A repeat carrying another value, or another Kafka key, fails even when its first copy was right")
    func divergentRepeat() throws {
        let reference = try Self.reference()
        let changed = try Self.row("Books", "2026-11-24T09:00:01.000Z", count: 8, average: 3.5)
        let valueReport = OutputChecker.compare(reference: reference, candidate: reference + [changed])
        #expect(valueReport.mismatched.count == 1)
        #expect(valueReport.repeats == 1)
        let keyed = try Self.row("Books", "2026-11-24T09:00:01.000Z", count: 7, average: 3.5, key: "other")
        let keyReport = OutputChecker.compare(reference: reference, candidate: reference + [keyed])
        #expect(keyReport.rekeyed.count == 1)
        #expect(!keyReport.passed)
    }

    @Test("A window only the candidate has is reported unexpected; a row without its window start is refused")
    func unexpectedAndMalformed() throws {
        let reference = try Self.reference()
        let extra = try Self.row("Home", "2026-11-24T09:00:00.000Z", count: 1, average: 5)
        #expect(OutputChecker.compare(reference: reference, candidate: reference + [extra]).unexpected.count == 1)
        #expect(throws: OutputCheckError.self) {
            try OutputChecker.row(stream: "RATINGS", value: Array("{\"PRODUCT_CATEGORY\":\"Books\"}".utf8), key: nil, identityFields: Self.identity)
        }
        #expect(throws: OutputCheckError.self) {
            try OutputChecker.row(stream: "RATINGS", value: Array("[1,2]".utf8), key: nil, identityFields: Self.identity)
        }
    }
}
