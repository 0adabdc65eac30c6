/// Why a checkpoint could not be written, read or used. `description` says what happened and what
/// to do, so it can be printed as-is. A checkpoint that fails any check is never half-used.
public struct CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The bytes don't start with the checkpoint (or chunk) magic: not a checkpoint at all.
        case notACheckpoint
        /// Written by another format version than this build reads.
        case unsupportedVersion
        /// A checksum or an internal length does not match: the bytes were damaged.
        case corrupt
        /// The bytes end early: an incomplete write or copy.
        case truncated
        /// The checkpoint belongs to another topology (its SQL or bindings changed).
        case fingerprintMismatch
        /// The caller asked for something invalid (duplicate operator names, a bad scope name...).
        case invalidArgument
        /// The file system refused an operation (permissions, disk full...).
        case io
        /// A changelog snapshot could not be reassembled (missing chunks).
        case incomplete
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
