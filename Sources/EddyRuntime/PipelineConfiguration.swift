public import EddyKafka

/// How a `KafkaPipeline` connects and how often it makes progress durable.
public struct PipelineConfiguration: Sendable {
    /// `bootstrap.servers` plus the user's `-X` properties; applied to the consumer and the producer,
    /// after Eddy's defaults, so the user always wins.
    public var kafka: KafkaConfiguration
    /// The consumer group. Instances sharing it split the source partitions.
    public var groupID: String
    /// Where a group without committed offsets starts.
    public var startPosition: StartPosition = .earliest
    /// How often released input offsets are handed to the commit (after their outputs' delivery).
    /// At-least-once replays at most about this much after a crash, plus windows still open.
    public var commitInterval: Duration = .seconds(1)
    /// The longest a poll waits for data; also the granularity of time-driven work (idle watermarks).
    public var pollTimeout: Duration = .milliseconds(50)
    /// Back pressure: the consumer pauses when this many produced messages await delivery, and
    /// resumes below half of it. Keeps memory bounded when brokers are slow or down.
    public var maxUndelivered: UInt64 = 200_000
    /// The longest a revoke or shutdown waits for outputs to be delivered before giving up on
    /// committing (their inputs are then replayed by the next owner or run).
    public var flushTimeout: Duration = .seconds(30)
    /// How long start-up waits for a broker before failing with one line.
    public var reachabilityTimeout: Duration = .seconds(5)

    // MARK: Checkpoints and tasks (issue 6)

    /// Where task checkpoints are written (`DirectoryCheckpointStore`); nil keeps state only in
    /// memory (at-least-once replay of open windows after a restart, as before checkpoints).
    public var stateDirectory: String?
    /// `--changelog-topic`: checkpoints go to this Kafka topic (partition 0, compacted on real
    /// clusters) instead of a directory, chunked under `changelogMessageBytes`; restores read it
    /// from the beginning. Exclusive with `stateDirectory`.
    public var changelogTopic: String?
    /// The changelog producer's `message.max.bytes`: no chunk (with Kafka's framing) exceeds it.
    public var changelogMessageBytes = 1_000_000
    /// How often every task's state is checkpointed (also on revoke and at shutdown). After a crash
    /// the outputs of at most about this long (plus the delivery wait) are produced again.
    public var checkpointInterval: Duration = .seconds(10)
    /// Checkpoints kept per task scope (older ones are pruned after each save).
    public var keepCheckpoints = 3
    /// How input partitions are split into tasks (engines).
    public var taskLayout: TaskLayout = .single
    /// Static group membership (`group.instance.id`) and this instance's name in checkpoint files.
    /// A restarted member with the same id gets its partitions back at once instead of waiting out
    /// the session timeout. Must be unique among live members.
    public var instanceID: String?
    /// Exactly-once with Kafka transactions (needs `changelogTopic` or `stateDirectory`): one
    /// transactional producer per instance for its tasks (`transactional.id` derived from the group
    /// and `instanceID`, stable across restarts, so a restarted instance fences its zombie), and a
    /// second one, with `.combiner` appended, for a combiner stage of global aggregates; each
    /// checkpoint commits one transaction holding the outputs since the previous one and the input
    /// offsets (`send_offsets_to_transaction`), and, with `changelogTopic`, the snapshot's chunks too
    /// (all commit atomically); with `stateDirectory` the snapshot file is written right after the
    /// commit. Offsets are committed only through transactions.
    public var exactlyOnce = false
    /// Set by `ScaledPipeline` when per-partition tasks publish combined pumps' partials (`CombinePlan`):
    /// their engines run those pumps in partial mode, and the producer is idempotent so the partials
    /// topic keeps each task's order.
    var partialPublishing: PartialPublishing?

    public init(kafka: KafkaConfiguration, groupID: String) {
        self.kafka = kafka
        self.groupID = groupID
    }

    /// Eddy's consumer defaults, before the user's properties.
    ///
    /// Offsets are only *stored* by the pipeline once the outputs derived from them are delivered;
    /// librdkafka's auto-commit then commits stored offsets in the background (with its own retries),
    /// so a slow or unreachable broker never blocks processing.
    func consumerConfiguration() -> KafkaConfiguration {
        let interval = max(1, Int(commitInterval.components.seconds * 1000 + commitInterval.components.attoseconds / 1_000_000_000_000_000))
        return KafkaConfiguration(properties: [
            ("enable.auto.commit", exactlyOnce ? "false" : "true"),
            ("auto.commit.interval.ms", String(interval)),
            ("fetch.wait.max.ms", "10"),
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "1000"),
        ] + staticMembership).merging(kafka)
    }

    /// `group.instance.id` from `instanceID`, for every consumer group of this instance (the pipeline's,
    /// the repartition stages' and the combiner's: ids are unique per group, so one serves all), so a
    /// restarted instance gets its partitions back without waiting out the session timeout.
    var staticMembership: [(String, String)] {
        instanceID.map { [("group.instance.id", $0)] } ?? []
    }

    /// The `transactional.id` of this instance in exactly-once mode.
    func transactionalID(writerID: String) -> String {
        "eddy.\(groupID).\(instanceID ?? writerID)"
    }

    /// The transactional producer's configuration: with a changelog topic its snapshot chunks go
    /// through it, so its `message.max.bytes` must admit them (the user's `-X` still wins).
    func transactionalProducerConfiguration() -> KafkaConfiguration {
        guard changelogTopic != nil, changelogMessageBytes > 1_000_000 else { return producerConfiguration() }
        return KafkaConfiguration(properties: [("message.max.bytes", String(changelogMessageBytes))]).merging(producerConfiguration())
    }

    /// Eddy's producer defaults: retry for as long as it takes (`message.timeout.ms=0`), so an outage
    /// pauses the pipeline (back pressure) instead of losing outputs.
    func producerConfiguration() -> KafkaConfiguration {
        KafkaConfiguration(properties: [
            ("linger.ms", "5"),
            ("message.timeout.ms", "0"),
        ] + (partialPublishing != nil ? [("enable.idempotence", "true")] : [])).merging(kafka)
    }
}
