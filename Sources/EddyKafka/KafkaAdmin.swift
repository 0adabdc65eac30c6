internal import CRdKafka

/// A topic to create through the Admin API.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int
    /// -1 uses the broker's default.
    public var replicationFactor: Int
    /// Broker-side topic configs (`cleanup.policy`, `max.message.bytes`, ...), validated by the
    /// broker, not the client: a bad name or value fails the creation with the broker's reason.
    public var configs: [String: String]
    public init(name: String, partitions: Int, replicationFactor: Int = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Creates, lists and describes topics. Every call does network I/O and runs off the cooperative pool.
public final class KafkaAdmin: Sendable {
    let client: KafkaClient

    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        client = try KafkaClient(role: .producer, conf: configuration.makeNativeConf())
    }

    /// Fails with a one-line `.unreachable` error if no broker answers within `timeout`.
    public func checkReachable(timeout: Duration = .seconds(5)) async throws(KafkaError) {
        _ = try await metadata(timeout: timeout)
    }

    public func metadata(timeout: Duration = .seconds(5)) async throws(KafkaError) -> ClusterMetadata {
        let client = self.client
        return try await BlockingExecutor.run { () throws(KafkaError) in try client.metadata(timeout: timeout) }
    }

    /// User topics (names not starting with `__`), sorted by name.
    public func listTopics(timeout: Duration = .seconds(5)) async throws(KafkaError) -> [TopicMetadata] {
        try await metadata(timeout: timeout).topics.filter { !$0.name.hasPrefix("__") }
    }

    /// Partitions, leaders and replicas of one topic. Fails if the topic does not exist.
    public func describeTopic(_ name: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> TopicMetadata {
        let topics = try await metadata(timeout: timeout).topics
        guard let topic = topics.first(where: { $0.name == name }), topic.error == nil, !topic.partitions.isEmpty else {
            throw KafkaError(kind: .admin, code: "UNKNOWN_TOPIC_OR_PART", message: "topic '\(name)' does not exist")
        }
        return topic
    }

    /// Creates topics and waits for the result. Throws `.unsupported` when the cluster has no
    /// CreateTopics API (librdkafka's embedded mock cluster), and `.admin` naming each failed topic.
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let client = self.client
        try await BlockingExecutor.run { () throws(KafkaError) in try Self.create(topics, client: client, timeout: timeout) }
    }

    private static func create(_ topics: [NewTopic], client: KafkaClient, timeout: Duration) throws(KafkaError) {
        guard !topics.isEmpty else { return }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(clamping: topic.partitions), Int32(clamping: topic.replicationFactor), &errorBuffer, errorBuffer.count) else {
                let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(kind: .admin, message: "invalid topic \(topic.name):\(topic.partitions): \(text)")
            }
            newTopics.append(newTopic)
            for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                guard !name.isEmpty, rd_kafka_NewTopic_set_config(newTopic, name, value) == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError(kind: .admin, message: "invalid config '\(name)=\(value)' for topic \(topic.name)")
                }
            }
        }
        try requireController(client, operation: "create topics", api: "CreateTopics")
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds(timeout), &errorBuffer, errorBuffer.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds(timeout), &errorBuffer, errorBuffer.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, milliseconds(timeout) + 1000) else {
            throw KafkaError(kind: .timedOut, message: "CreateTopics got no answer within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = String(cString: rd_kafka_event_error_string(event))
            let kind: KafkaError.Kind = err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ? .unsupported : .admin
            throw KafkaError(kind: kind, code: String(cString: rd_kafka_err2name(err)), message: "CreateTopics failed: \(text)")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(kind: .admin, message: "CreateTopics returned an unexpected event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        var failures: [String] = []
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let topicErr = rd_kafka_topic_result_error(topicResult)
            guard topicErr != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(topicErr))
            failures.append("\(name): \(text)")
        }
        if !failures.isEmpty {
            throw KafkaError(kind: .admin, message: "could not create topic(s): \(failures.joined(separator: "; "))")
        }
    }

    /// Admin requests that go to the cluster's controller (CreateTopics, DescribeConfigs) would wait
    /// on the embedded (mock) cluster until their timeout: it names a controller (id 0) that is none
    /// of its brokers (ids 1...N) and offers neither API (measured with librdkafka 2.0.2: both time out
    /// "waiting for controller"). Say so at once instead.
    static func requireController(_ client: KafkaClient, operation: String, api: String) throws(KafkaError) {
        let brokers = try client.metadata(timeout: .seconds(5)).brokers.map(\.id)
        let controller = rd_kafka_controllerid(client.handle, 2000)
        guard brokers.contains(controller) else {
            throw KafkaError(
                kind: .unsupported,
                message: "this cluster has no reachable controller (id \(controller)), so it cannot \(operation); librdkafka's embedded cluster has no \(api) API"
            )
        }
    }
}
