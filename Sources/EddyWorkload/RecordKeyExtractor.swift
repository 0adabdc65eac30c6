/// Picks a record's Kafka key out of its JSON (`eddy produce --key FIELD`).
///
/// Looks only at top-level members and skips the rest without parsing, so it is cheap per record.
public struct RecordKeyExtractor: Sendable {
    public let field: String
    private let fieldBytes: [UInt8]

    public init(field: String) {
        self.field = field
        self.fieldBytes = Array(field.utf8)
    }

    /// The key bytes: a string member's decoded contents, or the JSON text of a number or
    /// boolean. Nil when the member is absent, `null`, an object or an array, or when `json` is
    /// not a JSON object, so the caller can report the record instead of keying it wrongly.
    public func key(for json: [UInt8]) -> [UInt8]? {
        json.withUnsafeBufferPointer { bytes -> [UInt8]? in
            guard case .found(let start, let end) = JSONTopLevelFields.find(fieldBytes, in: bytes) else { return nil }
            switch bytes[start] {
            case UInt8(ascii: "\""):
                return JSONStringDecoding.decode(UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(end - 1)]))
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "n"):
                return nil
            default:
                return Array(bytes[start..<end])
            }
        }
    }
}
