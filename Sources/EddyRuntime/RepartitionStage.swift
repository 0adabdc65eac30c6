import EddyKafka
public import EddySQL
import Foundation
import Synchronization

/// Runs next to a `KafkaPipeline` when `Topology.distribution` says a source needs a repartition:
/// consumes the source topic and produces every record, unchanged, to
/// `<topology>.repartition.<source>` keyed by the source's partition column (see `Repartitioner`),
/// in event-time order across the source partitions (see `RepartitionBuffer`).
/// The pipeline then reads the repartition topic instead of the source, so each task holds every
/// row of its keys.
///
/// ```swift
/// let stage = try RepartitionStage(topology: topology, source: "SOURCE_SQL_STREAM_001", configuration: configuration)
/// try await stage.start()      // checks the topics, subscribes, starts the stage's thread
/// ...
/// try await stage.stop()       // flushes, commits, closes
/// ```
///
/// ## Delivery: at-least-once
/// A source offset is stored for commit only once every record forwarded before it is delivered
/// (checked every `commitInterval` without blocking; on revoke and at shutdown by waiting up to
/// `flushTimeout`). After a crash the stage forwards again what it had forwarded since its last
/// commit, in the same order and with the same upstream headers: the downstream task's
/// `UpstreamDeduplicator` skips those duplicates.
///
/// ## Group
/// The stage consumes in its own group (`<groupID>.repartition` unless given), so its rebalances
/// never revoke the pipeline's partitions, and a `group.instance.id` in the user's properties stays
/// unique within each group.
///
/// ## Threads
/// Polling, forwarding and commits run on one dedicated thread, never on Swift's cooperative pool.
public final class RepartitionStage: Sendable {
    public let sourceStream: String
    public let sourceTopic: String
    public let repartitionTopic: String
    public let groupID: String
    private let worker: RepartitionWorker
    private let configuration: PipelineConfiguration
    private let log: @Sendable (String) -> Void
    private let loop = DedicatedLoop(threadName: "eddy-repartition")

    /// Builds the Kafka clients; nothing connects until `start()`.
    ///
    /// - Parameters:
    ///   - source: the name of a source stream bound to a topic that has a partition column in
    ///     `topology.distribution` (declared or inferred).
    ///   - configuration: the pipeline's (brokers, user properties, start position, intervals).
    ///   - groupID: the stage's consumer group; default `<configuration.groupID>.repartition`.
    ///   - idleWait: how long an empty source partition that is not caught up holds back the
    ///     others (records are released in event-time order across partitions; see `RepartitionBuffer`).
    /// - Throws: `RepartitionError` for a source that is not a bound source or has no partition
    ///   column; `KafkaError` for invalid properties.
    public init(topology: Topology, source: String, configuration: PipelineConfiguration, groupID: String? = nil,
                idleWait: Duration = .milliseconds(500),
                log: @escaping @Sendable (String) -> Void = KafkaPipeline.writeToStandardError) throws {
        guard let index = topology.streamIndex(source), topology.streams[index].isSource, !topology.streams[index].isSystem else {
            throw RepartitionError("\"\(source)\" is not a source stream of topology \(topology.name)")
        }
        let stream = topology.streams[index]
        guard let topic = stream.binding.topic else {
            throw RepartitionError("source \"\(source)\" is not bound to a topic, so there is nothing to repartition")
        }
        guard let column = topology.distribution.sources.first(where: { $0.stream == index })?.partitionColumn else {
            throw RepartitionError("source \"\(source)\" has no partition column: no keyed pump needs one and no 'partition_key' declares one")
        }
        let group = groupID ?? "\(configuration.groupID).repartition"
        let incidents = IncidentLog(write: log)
        let relay = RepartitionRebalanceRelay()
        let consumer = try KafkaConsumer(
            configuration: Self.consumerConfiguration(configuration), groupID: group, startPosition: configuration.startPosition,
            onRebalance: { event in relay.worker?.handle(event) },
            onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka (repartition \(source)): \(error.message)") })
        let producer = try KafkaProducer(
            configuration: Self.producerConfiguration(configuration),
            onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka (repartition \(source)): \(error.message)") })
        let repartitionTopic = topology.repartitionTopic(for: stream)
        worker = RepartitionWorker(
            consumer: consumer, producer: producer,
            repartitioner: Repartitioner(topic: repartitionTopic, producer: producer),
            buffer: RepartitionBuffer(extractor: RepartitionKeyExtractor(stream: stream, column: column), idleWait: idleWait),
            sourceTopic: topic, configuration: configuration, incidents: incidents, log: log)
        relay.worker = worker
        self.sourceStream = source
        self.sourceTopic = topic
        self.repartitionTopic = repartitionTopic
        self.groupID = group
        self.configuration = configuration
        self.log = log
    }

    /// Eddy's consumer defaults for the stage, before the user's properties.
    static func consumerConfiguration(_ configuration: PipelineConfiguration) -> KafkaConfiguration {
        let interval = configuration.commitInterval.components
        let millis = max(1, Int(interval.seconds * 1000 + interval.attoseconds / 1_000_000_000_000_000))
        return KafkaConfiguration(properties: [
            ("enable.auto.commit", "true"), ("auto.commit.interval.ms", String(millis)), ("fetch.wait.max.ms", "10"),
            ("session.timeout.ms", "10000"), ("heartbeat.interval.ms", "1000"),
        ] + configuration.staticMembership).merging(configuration.kafka)
    }

    /// Eddy's producer defaults for the stage: retry without a deadline (an outage pauses the stage),
    /// and `murmur2_random`, Java's partitioner, which also hashes empty keys (the empty string is a key).
    static func producerConfiguration(_ configuration: PipelineConfiguration) -> KafkaConfiguration {
        KafkaConfiguration(properties: [("linger.ms", "5"), ("message.timeout.ms", "0"), ("partitioner", "murmur2_random")])
            .merging(configuration.kafka)
    }

    /// Checks that a broker answers, that the source topic exists and the repartition topic exists
    /// (creating it with the source's partition count where the cluster allows), subscribes, and
    /// starts forwarding on the stage's thread. Fails with a one-line error otherwise.
    public func start() async throws {
        let consumer = worker.consumer
        let timeout = configuration.reachabilityTimeout
        try await consumer.checkReachable(timeout: timeout)
        let source = try await consumer.describeTopic(sourceTopic, timeout: timeout)
        let count = source.partitions.count
        let existing = try await InternalTopic.ensure(repartitionTopic, partitions: count, purpose: "repartition", producer: worker.producer,
                                                      kafka: configuration.kafka, timeout: timeout, makeError: { RepartitionError($0) })
        if let existing, existing != count {
            log("note: repartition topic \(repartitionTopic) has \(existing) partitions and \(sourceTopic) \(count); with several sources, give every repartition topic the same count so tasks stay co-partitioned")
        }
        try consumer.subscribe(topics: [sourceTopic])
        worker.incidents.open()
        loop.start { [self] in try worker.run() }
    }

    /// Asks the stage to stop, waits until forwarded records are delivered and offsets committed,
    /// and shuts the producer down. Rethrows what ended the stage if it failed.
    public func stop() async throws {
        worker.stopRequested.store(true, ordering: .releasing)
        try await finished()
    }

    /// Waits until the stage has ended (after `stop()`, or a failure such as an undeliverable record).
    public func finished() async throws {
        try await loop.finished(shuttingDown: worker.producer)
    }

    /// Counts and stored offsets so far (refreshed every commit interval).
    public var progress: RepartitionProgress { worker.progress.withLock { $0 } }
}

/// What a `RepartitionStage` has done so far.
public struct RepartitionProgress: Sendable, Hashable {
    /// Records produced to the repartition topic (undecodable ones included).
    public var forwarded = 0
    /// Records forwarded with a null key because their partition column could not be decoded.
    public var undecodable = 0
    /// Records the producer has acknowledged.
    public var delivered: UInt64 = 0
    /// Source offsets stored for commit ("topic[partition]" → next offset).
    public var storedOffsets: [String: Int64] = [:]
    public var assignedPartitions = 0
}

/// Lets the consumer's rebalance callback, created before the worker, reach it. Set once before
/// `subscribe`, read only on the stage thread.
private final class RepartitionRebalanceRelay: @unchecked Sendable {
    /// Weak: the worker owns the consumer whose callbacks hold this relay, so a strong reference
    /// would be a cycle that keeps the clients, and librdkafka's threads, alive after the owner is gone.
    weak var worker: RepartitionWorker?
}
