/// Gives a JSON record an `event_time` (epoch milliseconds UTC) when it has none.
///
/// Windows run on event time, and a replayed file or a hand-written record often lacks it. The
/// time comes from a named field of the record (`--event-time-field`: a date, an ISO-8601
/// timestamp, or an epoch number in seconds or milliseconds), or else from the caller's "now"
/// (the send time). A record that already has `event_time` is returned unchanged.
public struct EventTimeStamper: Sendable {
    /// The field every stamped record carries.
    public static let eventTimeField = "event_time"

    /// Where the time comes from; nil means "now".
    public let sourceField: String?
    private let sourceKey: [UInt8]?
    private static let eventTimeKey = Array(eventTimeField.utf8)

    public init(sourceField: String? = nil) {
        self.sourceField = sourceField
        self.sourceKey = sourceField.map { Array($0.utf8) }
    }

    /// Returns `json` with an `event_time` member appended if it had none.
    /// - Throws: `EventTimeError` when the record is not a JSON object, or the source field is
    ///   missing or holds something that is not a date, timestamp or epoch number.
    public func stamp(_ json: [UInt8], nowMillis: Int64) throws(EventTimeError) -> [UInt8] {
        let millis: Int64
        switch try eventTimeIfMissing(json, nowMillis: nowMillis) {
        case nil: return json
        case let value?: millis = value
        }
        guard let closingBrace = json.lastIndex(of: UInt8(ascii: "}")) else {
            throw EventTimeError(reason: "record is not a JSON object")
        }
        let isEmptyObject = json[..<closingBrace].last(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) == UInt8(ascii: "{")
        var output: [UInt8] = []
        output.reserveCapacity(json.count + 32)
        output.append(contentsOf: json[..<closingBrace])
        if !isEmptyObject { output.append(UInt8(ascii: ",")) }
        output.appendLiteral("\"event_time\":")
        output.appendDecimal(millis)
        output.append(contentsOf: json[closingBrace...])
        return output
    }

    /// The event time to add, or nil when `json` already has `event_time`.
    public func eventTimeIfMissing(_ json: [UInt8], nowMillis: Int64) throws(EventTimeError) -> Int64? {
        try json.withUnsafeBufferPointer { (bytes) throws(EventTimeError) -> Int64? in
            switch JSONTopLevelFields.find(Self.eventTimeKey, in: bytes) {
            case .found: return nil
            case .notAnObject: throw EventTimeError(reason: "record is not a JSON object")
            case .absent: break
            }
            guard let sourceKey, let sourceField else { return nowMillis }
            switch JSONTopLevelFields.find(sourceKey, in: bytes) {
            case .notAnObject: throw EventTimeError(reason: "record is not a JSON object")
            case .absent: throw EventTimeError(reason: "event-time field '\(sourceField)' is missing")
            case .found(let start, let end):
                return try Self.millis(fromValue: UnsafeBufferPointer(rebasing: bytes[start..<end]), field: sourceField)
            }
        }
    }

    /// Converts a raw JSON value (number, or string holding a date, timestamp or number).
    static func millis(fromValue value: UnsafeBufferPointer<UInt8>, field: String) throws(EventTimeError) -> Int64 {
        let shown = String(decoding: value.prefix(64), as: UTF8.self)
        func failure() -> EventTimeError {
            EventTimeError(reason: "event-time field '\(field)' has \(shown), which is not a date (YYYY-MM-DD), an ISO-8601 timestamp or an epoch number")
        }
        guard let first = value.first else { throw failure() }
        var text: [UInt8]
        if first == UInt8(ascii: "\"") {
            guard value.count >= 2, let decoded = JSONStringDecoding.decode(UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)])) else {
                throw failure()
            }
            text = decoded
        } else {
            text = Array(value)
        }
        let isNumeric = text.withUnsafeBufferPointer { DelimitedValueEncoding.isJSONNumberLiteral($0) }
        if isNumeric {
            let string = String(decoding: text, as: UTF8.self)
            if let integer = Int64(string) {
                if integer.magnitude < UInt64(EpochTime.secondsMillisecondsThreshold) {
                    return integer * 1000
                }
                return integer
            }
            guard let double = Double(string), let millis = EpochTime.millis(fromEpochNumber: double) else { throw failure() }
            return millis
        }
        guard first == UInt8(ascii: "\""), let millis = text.withUnsafeMutableBufferPointer({ EpochTime.millis(parsingISO8601: UnsafeBufferPointer($0)) }) else {
            throw failure()
        }
        return millis
    }
}

/// Why a record could not be given an event time.
public struct EventTimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
