internal import CRdKafka

extension EmbeddedCluster {
    /// Kafka protocol requests of the transactional protocol, by their API key.
    public enum TransactionRequest: Int16, Sendable {
        case initProducerID = 22
        case addPartitionsToTransaction = 24
        case addOffsetsToTransaction = 25
        case endTransaction = 26
        case transactionOffsetCommit = 28
    }

    /// Makes the next `codes.count` requests of `request` fail with these Kafka protocol error codes
    /// (e.g. 90 PRODUCER_FENCED, 29 TOPIC_AUTHORIZATION_FAILED), in order.
    ///
    /// Why: the embedded cluster fences nothing by itself (every producer gets epoch 0), so this is
    /// the only way to drive a producer through the fatal and abortable paths without a real cluster.
    public func injectErrors(on request: TransactionRequest, codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, buffer.count, buffer.baseAddress)
        }
    }
}
