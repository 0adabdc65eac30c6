import EddyKafka

extension ChangelogCheckpointBackend {
    /// At start-up, before anything reads or writes the topic: creates it when missing (compacted,
    /// one partition, `ChangelogTopicPolicy.creationConfigs`), and when it exists, checks its configs
    /// and refuses a topic that cannot keep the snapshots (`ChangelogTopicPolicy.problems`).
    ///
    /// The embedded cluster answers neither CreateTopics nor DescribeConfigs (measured: both wait for
    /// a controller it never names). There a missing topic fails start-up with the way to declare
    /// it, and an existing one is used after one warning that its configs could not be checked. A
    /// real cluster that refuses DescribeConfigs (no DESCRIBE_CONFIGS permission) gets the same
    /// warning: not being allowed to look is no proof the topic is wrong.
    func prepare(log: @escaping @Sendable (String) -> Void) async throws {
        let policy = ChangelogTopicPolicy(topic: topic, chunkBytes: maxMessageBytes)
        let admin = try KafkaAdmin(configuration: kafka)
        let existing = try await admin.metadata().topics.first { $0.name == topic && $0.error == nil && !$0.partitions.isEmpty }
        if existing == nil {
            let failure: KafkaError?
            do {
                try await admin.createTopics([NewTopic(name: topic, partitions: 1, configs: policy.creationConfigs)])
                failure = nil
            } catch {
                failure = error
            }
            guard let failure else {
                let configs = policy.creationConfigs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                log("changelog topic \(topic) created: 1 partition, \(configs)")
                return
            }
            if failure.kind == .unsupported {
                throw KafkaError(kind: .configuration,
                                 message: "changelog topic \(topic) does not exist, and this cluster cannot create topics (\(failure.message)); declare it when starting the embedded cluster (eddy broker --topic \(topic):1) or create it: kafka-topics --create --topic \(topic) --partitions 1 --config cleanup.policy=compact --config max.message.bytes=\(maxMessageBytes)")
            }
            // Another instance may have created it meanwhile: then check it like any existing topic.
            guard failure.message.lowercased().contains("already exists") else { throw failure }
        } else if let existing, existing.partitions.count > 1 {
            log("note: changelog topic \(topic) has \(existing.partitions.count) partitions; Eddy uses partition 0 only")
        }
        let configs: [String: String]
        do {
            configs = try await admin.topicConfigs(topic)
        } catch {
            log("warning: could not check the configs of changelog topic \(topic) (\(error.message)); make sure it has cleanup.policy=compact and max.message.bytes of at least \(maxMessageBytes), or snapshots may be lost")
            return
        }
        let problems = policy.problems(in: configs)
        guard problems.isEmpty else {
            throw KafkaError(kind: .configuration, message: problems.joined(separator: "; "))
        }
    }
}
