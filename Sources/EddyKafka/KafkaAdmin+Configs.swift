internal import CRdKafka

extension KafkaAdmin {
    /// The broker-side configs of topic `name` (`cleanup.policy`, `max.message.bytes`, ...), defaults
    /// included; entries without a value (sensitive or unset) are left out.
    ///
    /// Throws `.unsupported` at once on a cluster without a reachable controller (librdkafka's
    /// embedded cluster has no DescribeConfigs API), and `.admin` with the broker's reason otherwise
    /// (e.g. `UNKNOWN_TOPIC_OR_PART` when the topic does not exist).
    public func topicConfigs(_ name: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String: String] {
        let client = self.client
        return try await BlockingExecutor.run { () throws(KafkaError) in try Self.describe(topic: name, client: client, timeout: timeout) }
    }

    private static func describe(topic: String, client: KafkaClient, timeout: Duration) throws(KafkaError) -> [String: String] {
        try requireController(client, operation: "describe topic configs", api: "DescribeConfigs")
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var resources: [OpaquePointer?] = [rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic)]
        defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds(timeout), &errorBuffer, errorBuffer.count)
        resources.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_DescribeConfigs(client.handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, milliseconds(timeout) + 1000) else {
            throw KafkaError(kind: .timedOut, message: "DescribeConfigs of topic \(topic) got no answer within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = String(cString: rd_kafka_event_error_string(event))
            let kind: KafkaError.Kind = err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ? .unsupported : .admin
            throw KafkaError(kind: kind, code: String(cString: rd_kafka_err2name(err)), message: "DescribeConfigs of topic \(topic) failed: \(text)")
        }
        guard let result = rd_kafka_event_DescribeConfigs_result(event) else {
            throw KafkaError(kind: .admin, message: "DescribeConfigs returned an unexpected event")
        }
        var count = 0
        guard let described = rd_kafka_DescribeConfigs_result_resources(result, &count), count > 0, let resource = described[0] else {
            throw KafkaError(kind: .admin, message: "DescribeConfigs of topic \(topic) returned no resource")
        }
        let resourceErr = rd_kafka_ConfigResource_error(resource)
        guard resourceErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_ConfigResource_error_string(resource).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(resourceErr))
            throw KafkaError(kind: .admin, code: String(cString: rd_kafka_err2name(resourceErr)), message: "cannot describe the configs of topic \(topic): \(text)")
        }
        var entryCount = 0
        var configs: [String: String] = [:]
        guard let entries = rd_kafka_ConfigResource_configs(resource, &entryCount) else { return configs }
        for index in 0..<entryCount {
            guard let entry = entries[index], let value = rd_kafka_ConfigEntry_value(entry) else { continue }
            configs[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
        }
        return configs
    }
}
