import Foundation

/// One field of an output row, as the checker compares it: numbers within a relative tolerance
/// (so an AVG summed in another order still matches), everything else exactly.
enum FieldValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case bool(Bool)
    case null

    var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let value): "\"\(value)\""
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    func matches(_ other: FieldValue, relativeTolerance: Double) -> Bool {
        switch (self, other) {
        case (.number(let a), .number(let b)):
            if a == b { return true }
            return abs(a - b) <= relativeTolerance * max(abs(a), abs(b))
        default:
            return self == other
        }
    }
}

/// An output row named by its identity: the stream it belongs to, its group key and its window
/// start (the fields the topology SELECTs for that purpose), plus every other field as its value.
struct CheckedRow: Sendable {
    var stream: String
    /// `stream|field=value|...` over the identity fields, in the order given.
    var identity: String
    var values: [String: FieldValue]
    /// The Kafka message key: repeats of one row must carry the same key (effectively-once).
    var messageKey: [UInt8]?

    func matches(_ other: CheckedRow, relativeTolerance: Double) -> Bool {
        guard values.count == other.values.count else { return false }
        return values.allSatisfy { name, value in
            other.values[name].map { value.matches($0, relativeTolerance: relativeTolerance) } ?? false
        }
    }
}

enum OutputCheckError: Error, CustomStringConvertible {
    case notAnObject(stream: String, value: String)
    case missingIdentity(stream: String, field: String, value: String)

    var description: String {
        switch self {
        case .notAnObject(let stream, let value): "\(stream): output value is not a JSON object: \(value.prefix(200))"
        case .missingIdentity(let stream, let field, let value): "\(stream): output row lacks identity field \(field): \(value.prefix(200))"
        }
    }
}

/// What the checker found. `passed` is the verdict; `summary` the one line the tests print.
struct OutputCheckReport: Sendable {
    var referenceRows = 0
    var candidateRows = 0
    var distinctCandidateRows = 0
    /// Rows produced more than once: candidate rows minus distinct identities.
    var repeats = 0
    /// Identities of the reference the candidate never produced (a window gap: data loss).
    var missing: [String] = []
    /// Candidate rows whose value differs from the reference's (or from an earlier repeat of itself).
    var mismatched: [String] = []
    /// Identities only the candidate produced (a window the uninterrupted run never closed).
    var unexpected: [String] = []
    /// Repeats whose Kafka key differs from the first copy's.
    var rekeyed: [String] = []

    /// The same comparison restricted to each stream's rows (filled by `OutputChecker.compareByStream`).
    var byStream: [String: OutputCheckReport] = [:]

    /// The report of `stream`'s rows alone (all zero when it had none on either side).
    func restricted(to stream: String) -> OutputCheckReport { byStream[stream] ?? OutputCheckReport() }

    /// The counts, on one line: what the tests print per stream.
    var counts: String {
        "\(referenceRows) reference rows, \(candidateRows) candidate rows, missing \(missing.count), mismatched \(mismatched.count), "
            + "unexpected \(unexpected.count), rekeyed \(rekeyed.count), repeats \(repeats)"
    }

    var passed: Bool { missing.isEmpty && mismatched.isEmpty && unexpected.isEmpty && rekeyed.isEmpty }

    var summary: String {
        var text = "reference \(referenceRows) rows; candidate \(candidateRows) rows, \(distinctCandidateRows) distinct, \(repeats) repeats; "
        text += "missing \(missing.count), mismatched \(mismatched.count), unexpected \(unexpected.count), rekeyed \(rekeyed.count)"
        for (label, list) in [("missing", missing), ("mismatched", mismatched), ("unexpected", unexpected), ("rekeyed", rekeyed)] where !list.isEmpty {
            text += "\n  first \(label): " + list.prefix(5).joined(separator: "\n    ")
        }
        return text
    }
}

/// Compares the outputs of a disturbed run (crashes, a stopped instance) with an uninterrupted
/// reference run over the same input: every (key, window) of the reference is present, every copy
/// carries the reference's value, and nothing else appears. Repeats are counted, not judged: the
/// caller compares them with the bound it states.
enum OutputChecker {
    static let defaultRelativeTolerance = 1e-9

    /// Parses the JSON object `value` of a row of `stream`, naming it by `identityFields`.
    static func row(stream: String, value: [UInt8], key: [UInt8]?, identityFields: [String]) throws(OutputCheckError) -> CheckedRow {
        let text = String(decoding: value, as: UTF8.self)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any] else {
            throw .notAnObject(stream: stream, value: text)
        }
        var fields: [String: FieldValue] = [:]
        for (name, raw) in object { fields[name] = fieldValue(raw) }
        var identity = stream
        for field in identityFields {
            guard let value = fields.removeValue(forKey: field) else { throw .missingIdentity(stream: stream, field: field, value: text) }
            identity += "|\(field)=\(value)"
        }
        return CheckedRow(stream: stream, identity: identity, values: fields, messageKey: key)
    }

    private static func fieldValue(_ raw: Any) -> FieldValue {
        switch raw {
        case let text as String: return .text(text)
        case is NSNull: return .null
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumber too, with the char type ("c") of a Bool.
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return .number(number.doubleValue)
        default: return .text("\(raw)")
        }
    }

    static func compare(reference: [CheckedRow], candidate: [CheckedRow], relativeTolerance: Double = defaultRelativeTolerance) -> OutputCheckReport {
        var report = OutputCheckReport(referenceRows: reference.count, candidateRows: candidate.count)
        var expected: [String: CheckedRow] = [:]
        for row in reference {
            if let earlier = expected[row.identity], !earlier.matches(row, relativeTolerance: relativeTolerance) {
                report.mismatched.append("reference itself repeats \(row.identity) with different values: \(earlier.values) vs \(row.values)")
            }
            expected[row.identity] = row
        }
        var seen: [String: CheckedRow] = [:]
        for row in candidate {
            if let first = seen[row.identity] {
                report.repeats += 1
                if !first.matches(row, relativeTolerance: relativeTolerance) {
                    report.mismatched.append("\(row.identity) repeated with another value: \(describe(first.values)) then \(describe(row.values))")
                }
                if first.messageKey != row.messageKey {
                    report.rekeyed.append("\(row.identity): key \(keyText(first.messageKey)) then \(keyText(row.messageKey))")
                }
                continue
            }
            seen[row.identity] = row
            guard let wanted = expected[row.identity] else {
                report.unexpected.append("\(row.identity) = \(describe(row.values))")
                continue
            }
            if !wanted.matches(row, relativeTolerance: relativeTolerance) {
                report.mismatched.append("\(row.identity): expected \(describe(wanted.values)), got \(describe(row.values))")
            }
        }
        report.distinctCandidateRows = seen.count
        report.missing = expected.keys.filter { seen[$0] == nil }.sorted()
        return report
    }

    /// `compare` over all rows, with `byStream` holding the comparison of each stream's rows alone.
    static func compareByStream(reference: [CheckedRow], candidate: [CheckedRow], relativeTolerance: Double = defaultRelativeTolerance) -> OutputCheckReport {
        var report = compare(reference: reference, candidate: candidate, relativeTolerance: relativeTolerance)
        for stream in Set(reference.map(\.stream)).union(candidate.map(\.stream)) {
            report.byStream[stream] = compare(reference: reference.filter { $0.stream == stream },
                                              candidate: candidate.filter { $0.stream == stream }, relativeTolerance: relativeTolerance)
        }
        return report
    }

    private static func describe(_ values: [String: FieldValue]) -> String {
        "{" + values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }

    private static func keyText(_ key: [UInt8]?) -> String {
        key.map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
