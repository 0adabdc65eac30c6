/// The position of one input partition a checkpoint corresponds to: the *next* offset to read, so a
/// restore seeks there and the state already reflects every record before it.
public struct InputOffset: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var nextOffset: Int64

    public init(topic: String, partition: Int32, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }

    public var description: String { "\(topic)[\(partition)]@\(nextOffset)" }
}

/// One operator's serialized state. The bytes are opaque here: each operator owns its own encoding
/// (and versions it); the container only guarantees they come back bit for bit, or not at all.
public struct OperatorState: Sendable, Hashable {
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// A consistent snapshot of every operator's state together with the input offsets it corresponds
/// to. Restoring it and seeking the inputs to `inputOffsets` continues exactly where it was taken.
public struct Checkpoint: Sendable, Hashable {
    /// What this checkpoint covers, e.g. one task or one set of input partitions (`reviews-0`).
    /// State moves between instances scope by scope. Letters, digits, `.`, `_` and `-` only, because
    /// it becomes part of file names and changelog keys.
    public var scope: String
    /// Identifies the topology (SQL and bindings) that produced the state; restoring state into a
    /// different topology would give wrong answers, so loading checks it.
    public var topologyFingerprint: String
    /// Increases with every checkpoint of a scope: the newest checkpoint is the one with the highest id.
    /// An instance taking over a scope continues from the loaded id + 1.
    public var id: UInt64
    /// Wall-clock creation time, milliseconds since the Unix epoch (informational).
    public var createdAtMillis: Int64
    public var inputOffsets: [InputOffset]
    public var operatorStates: [OperatorState]

    public init(
        scope: String, topologyFingerprint: String, id: UInt64, createdAtMillis: Int64,
        inputOffsets: [InputOffset], operatorStates: [OperatorState]
    ) {
        self.scope = scope
        self.topologyFingerprint = topologyFingerprint
        self.id = id
        self.createdAtMillis = createdAtMillis
        self.inputOffsets = inputOffsets
        self.operatorStates = operatorStates
    }

    /// The wall clock in milliseconds since the Unix epoch, for `createdAtMillis`.
    public static func wallClockMillis() -> Int64 { FileIO.nowMillis() }

    /// The state stored under `name`, if any.
    public func state(named name: String) -> [UInt8]? {
        operatorStates.first { $0.name == name }?.bytes
    }

    /// Total size of the operator states, for the state-size metric.
    public var stateBytes: Int { operatorStates.reduce(0) { $0 + $1.bytes.count } }

    /// Checks that `scope` can be used in file names and keys.
    public static func validateName(_ name: String, what: String) throws(CheckpointError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard !name.isEmpty, name.utf8.count <= 200, allowed, name.first != "." else {
            throw CheckpointError(kind: .invalidArgument, message: """
                \(what) '\(name)' must be 1–200 characters of letters, digits, '.', '_' or '-', not starting with '.'
                """)
        }
    }
}
