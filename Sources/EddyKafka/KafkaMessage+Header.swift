internal import CRdKafka

extension KafkaMessage {
    /// The value of the last header named `name`, borrowed like `value` (valid only inside the poll
    /// closure); nil when the message has no such header or it has a null value.
    ///
    /// Unlike `headers()` nothing is copied and no Swift object is created, so a per-record path
    /// can read one header (a `StaticString` is already NUL-terminated in the binary).
    @inline(__always)
    public func header(_ name: StaticString) -> UnsafeRawBufferPointer? {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(pointer, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        let cName = UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
        guard rd_kafka_header_get_last(headers, cName, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let value else { return nil }
        return UnsafeRawBufferPointer(start: value, count: size)
    }
}
