/// The layouts a record file can have. Each record becomes one JSON object.
public enum RecordFileFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One JSON object per line (JSON Lines / NDJSON). Blank lines are skipped.
    case jsonLines
    /// Comma-separated values with a header row, RFC 4180 quoting.
    case csv
    /// Tab-separated values with a header row and no quoting, as in the Amazon Customer Reviews dataset.
    case tsv

    /// Infers the format from the file extension, case-insensitively:
    /// `.jsonl`, `.json`, `.ndjson` → JSON lines; `.csv` → CSV; `.tsv`, `.tab` → TSV.
    /// Returns `nil` for any other extension, so the caller can ask for an explicit format.
    public init?(inferringFromPath path: String) {
        let fileName = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex || fileName.count > 1 else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "jsonl", "json", "ndjson": self = .jsonLines
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        default: return nil
        }
    }

    /// Parses a user-supplied format name (`json`, `jsonl`, `ndjson`, `csv`, `tsv`).
    public init?(name: String) {
        switch name.lowercased() {
        case "json", "jsonl", "jsonlines", "ndjson": self = .jsonLines
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .jsonLines: "JSON lines"
        case .csv: "CSV"
        case .tsv: "TSV"
        }
    }
}
