internal import CRdKafka

/// Handlers librdkafka reaches through its `opaque` pointer; kept alive by the client handle.
final class ConsumerCallbacks: Sendable {
    let onRebalance: (@Sendable (RebalanceEvent) -> Void)?
    let onError: (@Sendable (KafkaError) -> Void)?
    let startOffsets: AssignmentStartOffsets?

    init(onRebalance: (@Sendable (RebalanceEvent) -> Void)?, onError: (@Sendable (KafkaError) -> Void)?,
         startOffsets: AssignmentStartOffsets? = nil) {
        self.onRebalance = onRebalance
        self.onError = onError
        self.startOffsets = startOffsets
    }

    /// Writes the offsets `startOffsets` chooses into librdkafka's list before it is assigned, so
    /// fetching starts there: no seek afterwards (which fails until the partition is fetchable) and
    /// no record fetched from the committed offset first.
    func applyStartOffsets(to list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, partitions: [TopicPartition]) {
        guard let startOffsets, !partitions.isEmpty else { return }
        let chosen = startOffsets(partitions)
        guard !chosen.isEmpty else { return }
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let key = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            if let offset = chosen[key] { list.pointee.elems[index].offset = offset }
        }
    }

    func report(_ error: KafkaError) {
        if let onError { onError(error) } else { fputsStderr("eddy: kafka: \(error.message)\n") }
    }
}

let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = {
    handle, err, partitions, opaque in
    guard let handle, let partitions else { return }
    let callbacks = opaque.map { Unmanaged<ConsumerCallbacks>.fromOpaque($0).takeUnretainedValue() }
    let owned = PartitionList.entries(of: partitions).map { $0.0.topicPartition }
    // librdkafka returns NULL when the group has no protocol yet (seen while a consumer closes during
    // a rebalance): treat that as eager, the protocol every assignor we configure falls back to.
    let rebalanceProtocol: UnsafePointer<CChar>? = rd_kafka_rebalance_protocol(handle)
    let cooperative = rebalanceProtocol.map { String(cString: $0) } == "COOPERATIVE"
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        callbacks?.applyStartOffsets(to: partitions, partitions: owned)
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) {
                callbacks?.report(KafkaError.consuming(error, kind: .consumer, context: "incremental assign"))
            }
        } else {
            _ = rd_kafka_assign(handle, partitions)
        }
        callbacks?.onRebalance?(.assigned(owned))
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        callbacks?.onRebalance?(.revoked(owned))
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, partitions) {
                callbacks?.report(KafkaError.consuming(error, kind: .consumer, context: "incremental unassign"))
            }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }
    default:
        callbacks?.report(KafkaError.fromResponse(err, kind: .consumer, context: "rebalance failed"))
        _ = rd_kafka_assign(handle, nil)
    }
}

let consumerErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, code, reason, opaque in
    guard let opaque else { return }
    let callbacks = Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    let err = rd_kafka_resp_err_t(rawValue: code)
    let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
    callbacks.report(KafkaError(kind: .consumer, code: String(cString: rd_kafka_err2name(err)), message: text))
}
