internal import CRdKafka

/// An error from the Kafka layer. `description` is a complete sentence that says what went wrong
/// and, where there is one, what to do about it, so the CLI can print it as-is on one line.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is, so callers can branch without parsing text.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A librdkafka property was rejected (unknown key or invalid value).
        public static let configuration = Kind("configuration")
        /// No broker answered within the allowed time.
        public static let unreachable = Kind("unreachable")
        /// The cluster does not offer the requested operation (e.g. CreateTopics on the embedded cluster).
        public static let unsupported = Kind("unsupported")
        /// librdkafka's local queue is full: wait for deliveries, then retry.
        public static let queueFull = Kind("queueFull")
        /// A message could not be delivered.
        public static let delivery = Kind("delivery")
        /// A consumer-side failure (poll, commit, offset store, seek, pause).
        public static let consumer = Kind("consumer")
        /// An Admin API failure (create/describe topics).
        public static let admin = Kind("admin")
        /// The embedded (mock) cluster could not be started or configured.
        public static let embeddedCluster = Kind("embeddedCluster")
        /// The client was used after `close()`/`shutdown()`.
        public static let closed = Kind("closed")
        /// The operation did not finish in time.
        public static let timedOut = Kind("timedOut")
        /// A transactional call failed but may simply be retried (same call, same arguments).
        public static let transactionRetriable = Kind("transactionRetriable")
        /// The current transaction can't commit: abort it, rewind to the last committed inputs, begin again.
        public static let transactionAbortable = Kind("transactionAbortable")
        /// The producer is unusable (fenced by a newer instance with the same `transactional.id`, or
        /// a protocol failure): close it; only a new producer can continue.
        public static let transactionFatal = Kind("transactionFatal")
        /// A transactional call made in the wrong state or with bad arguments (a bug in the caller).
        public static let transactionUsage = Kind("transactionUsage")
    }

    public let kind: Kind
    /// librdkafka's error name (e.g. `_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`) when one applies.
    public let code: String?
    public let message: String

    public init(kind: Kind, code: String? = nil, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Builds an error from a librdkafka response code, prefixing `context` (what we were doing).
    static func fromResponse(_ err: rd_kafka_resp_err_t, kind: Kind, context: String) -> KafkaError {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(kind: kind, code: name, message: "\(context): \(text)")
    }

    /// Takes ownership of an `rd_kafka_error_t` (destroying it) and turns it into a `KafkaError`.
    static func consuming(_ error: OpaquePointer, kind: Kind, context: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = rd_kafka_error_code(error)
        let kindFinal: Kind = code == RD_KAFKA_RESP_ERR__QUEUE_FULL ? .queueFull : kind
        let name = String(cString: rd_kafka_error_name(error))
        let text = String(cString: rd_kafka_error_string(error))
        return KafkaError(kind: kindFinal, code: name, message: "\(context): \(text)")
    }

    static func closed(_ what: String) -> KafkaError {
        KafkaError(kind: .closed, message: "\(what) is already closed; create a new one to continue")
    }
}

/// librdkafka's version string, e.g. "2.0.2".
public func librdkafkaVersion() -> String { String(cString: rd_kafka_version_str()) }
