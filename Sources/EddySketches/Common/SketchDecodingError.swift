/// Why a serialized sketch or forest could not be restored.
///
/// Snapshots come from disk or the network, so a corrupt or foreign byte string must become an
/// explainable error instead of a crash or a silently wrong sketch.
public struct SketchDecodingError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "cannot decode sketch: \(reason)" }
}

/// Why a sketch or forest rejected its configuration or an operation.
public struct SketchConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid sketch configuration: \(reason)" }
}
