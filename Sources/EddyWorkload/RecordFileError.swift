/// Why a record file could not be read at all. (Problems with single lines are `RecordLine.malformed`.)
public struct RecordFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened (missing, permissions, a directory...).
        case cannotOpen
        /// The extension does not say which format the file has, and none was given.
        case unknownFormat
    }

    public let kind: Kind
    public let path: String
    /// The operating system's explanation, e.g. "No such file or directory".
    public let reason: String

    public init(kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .cannotOpen: "cannot open '\(path)': \(reason)"
        case .unknownFormat: "cannot tell the format of '\(path)': \(reason)"
        }
    }
}
