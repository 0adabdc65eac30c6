/// How checkpoint files are named in a state directory:
///
/// - final: `<scope>~<id, 20 digits>~<writer>.ckpt`
/// - temporary: `.tmp~<scope>~<id>~<writer>~<pid>-<random>.ckpt`
///
/// The id is zero-padded so names sort like ids; the writer id makes names unique per instance, so
/// two instances never create, rename onto or half-overwrite the same name (see `DirectoryCheckpointStore`).
public struct CheckpointFileName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let scope: String
    public let id: UInt64
    public let writerID: String

    static let suffix = ".ckpt"
    static let temporaryPrefix = ".tmp~"

    public init(scope: String, id: UInt64, writerID: String) {
        self.scope = scope
        self.id = id
        self.writerID = writerID
    }

    public var fileName: String {
        let digits = String(id)
        return "\(scope)~\(String(repeating: "0", count: 20 - digits.count))\(digits)~\(writerID)\(Self.suffix)"
    }

    public var description: String { fileName }

    /// A unique temporary name for writing this file; hidden, and never mistaken for a checkpoint.
    func temporaryName(processID: Int32, nonce: UInt64) -> String {
        "\(Self.temporaryPrefix)\(fileName.dropLast(Self.suffix.count))~\(processID)-\(nonce)\(Self.suffix)"
    }

    /// Parses a final name; nil for anything else (temporary files, unrelated files).
    public init?(parsing name: String) {
        guard name.hasSuffix(Self.suffix), !name.hasPrefix(".") else { return nil }
        let parts = name.dropLast(Self.suffix.count).split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 20, let id = UInt64(parts[1]), !parts[0].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(scope: String(parts[0]), id: id, writerID: String(parts[2]))
    }

    /// The writer of a temporary file, if `name` is one.
    static func temporaryWriter(of name: String) -> String? {
        guard name.hasPrefix(temporaryPrefix), name.hasSuffix(suffix) else { return nil }
        let parts = name.dropFirst(temporaryPrefix.count).split(separator: "~", omittingEmptySubsequences: false)
        return parts.count == 4 ? String(parts[2]) : nil
    }

    /// Newest first: higher id, then writer id (so ties order the same on every instance).
    public static func < (lhs: CheckpointFileName, rhs: CheckpointFileName) -> Bool {
        (lhs.scope, lhs.id, lhs.writerID) < (rhs.scope, rhs.id, rhs.writerID)
    }
}
