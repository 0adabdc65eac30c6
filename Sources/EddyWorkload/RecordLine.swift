/// One record read from a file: either a JSON object ready to publish, or a line that could not
/// be turned into one, with the reason. Malformed lines are reported, never dropped.
public enum RecordLine: Sendable, Equatable {
    /// A valid record. `line` is the 1-based physical line where the record starts; `json` is
    /// one JSON object (UTF-8, no trailing newline).
    case record(line: Int, json: [UInt8])
    /// A line that is not a valid record. `raw` holds the line's bytes as read (without the line
    /// terminator) so it can go to a dead-letter destination unchanged.
    case malformed(line: Int, reason: String, raw: [UInt8])

    /// The 1-based line number where this record starts.
    public var line: Int {
        switch self {
        case .record(let line, _), .malformed(let line, _, _): line
        }
    }
}
