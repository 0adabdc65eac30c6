import EddyKafka

/// The internal topics Eddy's stages write: a repartition topic per repartitioned source, and the
/// partials topic of combined global pumps.
enum InternalTopic {
    /// The partition count of `name` when the cluster has it; otherwise creates it with `partitions`
    /// and returns nil. Reads all-topics metadata: asking for the one topic would let some clusters
    /// auto-create it with their default partition count. When creation fails (the embedded cluster
    /// cannot create topics after start, and a real one may deny it), the error says how to create
    /// the topic by hand; `makeError` wraps that message in the caller's error type.
    static func ensure(_ name: String, partitions: Int, purpose: String, producer: KafkaProducer, kafka: KafkaConfiguration,
                       timeout: Duration, makeError: (String) -> any Error) async throws -> Int? {
        let topics = try await producer.metadata(timeout: timeout).topics
        if let existing = topics.first(where: { $0.name == name && $0.error == nil && !$0.partitions.isEmpty }) {
            return existing.partitions.count
        }
        do {
            let admin = try KafkaAdmin(configuration: kafka)
            try await admin.createTopics([NewTopic(name: name, partitions: partitions)], timeout: timeout)
            return nil
        } catch {
            let count = partitions == 1 ? "one partition" : "\(partitions) partitions"
            throw makeError("\(purpose) topic \(name) does not exist and could not be created (\(error)); create it with \(count): eddy topics --create \(name):\(partitions) (the embedded cluster of eddy broker and eddy demo creates topics only at start: eddy broker --topic \(name):\(partitions))")
        }
    }
}
