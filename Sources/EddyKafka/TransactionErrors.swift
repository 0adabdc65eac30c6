internal import CRdKafka

extension KafkaError {
    /// Takes ownership of an `rd_kafka_error_t` from a transactional call (destroying it) and classifies
    /// it the way librdkafka's transactional API asks callers to, checking fatal first, then abortable,
    /// then retriable. Each message ends with what to do about it.
    static func consumingTransactional(_ error: OpaquePointer, operation: String, transactionalID: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let name = String(cString: rd_kafka_error_name(error))
        let text = String(cString: rd_kafka_error_string(error))
        let what = "\(operation) (transactional.id \(transactionalID)) failed: \(text)"
        if rd_kafka_error_is_fatal(error) != 0 {
            return KafkaError(kind: .transactionFatal, code: name, message: """
                \(what). The producer is unusable, usually because another instance started with the same \
                transactional.id and fenced this one: close this producer and stop processing these partitions; \
                a restart (new producer, same transactional.id) resumes from the last committed checkpoint
                """)
        }
        if rd_kafka_error_txn_requires_abort(error) != 0 {
            return KafkaError(kind: .transactionAbortable, code: name, message: """
                \(what). The transaction cannot commit: call abortTransaction, rewind inputs and state to the \
                last committed checkpoint, then begin a new transaction
                """)
        }
        if rd_kafka_error_is_retriable(error) != 0 {
            return KafkaError(kind: .transactionRetriable, code: name, message: """
                \(what). This is temporary (e.g. a timeout or coordinator change): retry the same call
                """)
        }
        return KafkaError(kind: .transactionUsage, code: name, message: """
            \(what). The call was made in the wrong transaction state or with invalid arguments: \
            call initTransactions once, then begin, send, commit or abort in that order
            """)
    }
}
