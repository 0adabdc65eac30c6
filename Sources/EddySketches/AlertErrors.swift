/// Why a snapshot of alert or hotspot state could not be restored.
///
/// Snapshots come back from a checkpoint directory or a changelog topic, possibly written by another
/// version of Eddy, so a corrupt or foreign byte string must become an explained error, never a crash
/// or a detector that silently answers differently.
public struct StateRestoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "cannot restore state: \(reason)" }
}

/// Why an alert rule (threshold or cool-down) rejected its configuration.
public struct AlertConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid alert configuration: \(reason)" }
}
