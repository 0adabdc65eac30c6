import EddyEngine
import EddyKafka
public import EddyMetrics
import EddyState
public import EddySQL
import Foundation
import Synchronization

/// Runs a topology on Kafka: consumes its bound source topics in a consumer group, feeds the
/// assigned partitions into tasks (one `Engine` each, see `TaskLayout`), and produces its bound
/// output streams (error_stream and late_stream included) with the engine's keys.
///
/// ## Delivery: at-least-once, effectively-once with a state directory
/// An input offset is committed only after every output derived from it is delivered: the engine
/// releases an offset once every window the record can contribute to has fired
/// (`Engine.releasedCommitPositions()`); at each commit interval the pipeline takes a producer mark,
/// and once that mark is acknowledged it stores the offsets, which librdkafka's auto-commit sends.
/// Without checkpoints a crash replays at most the records of windows still open plus one commit
/// interval; on `stop()` open windows are *not* fired early (the next run replays their records).
///
/// With `stateDirectory`, every `checkpointInterval` (and on revoke and at shutdown) each task's
/// state is snapshotted with the offsets it processed, and written once the outputs produced before
/// it are delivered. A task restores its newest checkpoint when it is created (start-up or
/// assignment) and its partitions are assigned *at the checkpoint's offsets*, so recovery never
/// depends on the group's committed offsets. After a crash the outputs produced since the last
/// checkpoint are produced again, identical and with the same keys (effectively-once; bound: one
/// checkpoint interval of outputs plus the delivery wait).
///
/// ## Exactly-once (`exactlyOnce`)
/// Each checkpoint is one Kafka transaction: the outputs since the previous one, the input offsets,
/// and with `changelogTopic` the snapshots too (`PipelineWorker+Transactions`), so they commit or
/// abort together. Needs a real cluster to hold end to end (see `KafkaTransactionalProducer`).
///
/// ## Outages
/// If no broker answers at start, `start()` fails with a one-line `.unreachable` error. Once running,
/// librdkafka reconnects with back-off; produce retries without a deadline; problems are logged once
/// per kind; and when more than `maxUndelivered` outputs await delivery the consumer pauses.
///
/// ## Threads
/// Processing runs on one dedicated thread (never on Swift's cooperative pool), every task included.
public final class KafkaPipeline: Sendable {
    public let topology: Topology
    public let metrics: PipelineMetrics
    let worker: PipelineWorker
    private let configuration: PipelineConfiguration
    private let loop = DedicatedLoop(threadName: "eddy-pipeline")

    /// Builds the engine and the Kafka clients. Throws `EngineError` for a topology the engine cannot
    /// run and `KafkaError` for invalid properties. Nothing connects until `start()`.
    public init(topology: Topology, configuration: PipelineConfiguration, metrics: PipelineMetrics? = nil,
                onOutputRow: OutputRowHandler? = nil,
                log: @escaping @Sendable (String) -> Void = KafkaPipeline.writeToStandardError) throws {
        let metrics = try metrics ?? PipelineMetrics()
        let engine = try Engine(topology: topology, trackCommitOffsets: true)
        let checkpoints: TaskCheckpointStore?
        if let topic = configuration.changelogTopic {
            guard configuration.stateDirectory == nil else {
                throw KafkaError(kind: .configuration, message: "a changelog topic replaces the state directory: use one of --changelog-topic and --state-dir")
            }
            let backend = try ChangelogCheckpointBackend(topic: topic, kafka: configuration.kafka, maxMessageBytes: configuration.changelogMessageBytes,
                                                         transactional: configuration.exactlyOnce)
            checkpoints = TaskCheckpointStore(backend: backend, topologyName: topology.name, fingerprint: engine.stateFingerprint, metrics: metrics)
        } else {
            checkpoints = try configuration.stateDirectory.map { directory throws(CheckpointError) in
                try TaskCheckpointStore(directory: directory, keep: configuration.keepCheckpoints,
                                        writerID: configuration.instanceID ?? Self.defaultWriterID(),
                                        topologyName: topology.name, fingerprint: engine.stateFingerprint, metrics: metrics)
            }
        }
        let incidents = IncidentLog(write: log)
        let relay = RebalanceRelay()
        let consumer = try KafkaConsumer(
            configuration: configuration.consumerConfiguration(), groupID: configuration.groupID,
            startPosition: configuration.startPosition,
            onRebalance: { event in relay.worker?.handle(event) },
            onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka: \(error.message)") },
            startOffsets: { partitions in relay.worker?.startOffsets(for: partitions) ?? [:] })
        let transactions: KafkaTransactionalProducer?
        let producer: KafkaProducer
        if configuration.exactlyOnce {
            guard configuration.stateDirectory != nil || configuration.changelogTopic != nil else {
                throw KafkaError(kind: .configuration, message: "exactly-once needs checkpoints (--changelog-topic or --state-dir): each transaction commits together with a checkpoint")
            }
            let created = try KafkaTransactionalProducer(
                configuration: configuration.transactionalProducerConfiguration(),
                transactionalID: configuration.transactionalID(writerID: Self.defaultWriterID()),
                onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka: \(error.message)") })
            transactions = created
            producer = created.producer
        } else {
            transactions = nil
            producer = try KafkaProducer(
                configuration: configuration.producerConfiguration(),
                onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka: \(error.message)") })
        }
        worker = PipelineWorker(engine: engine, makeEngine: { () throws(EngineError) in try Engine(topology: topology, trackCommitOffsets: true) },
                                checkpoints: checkpoints, transactions: transactions, consumer: consumer, producer: producer, configuration: configuration,
                                metrics: metrics, incidents: incidents, onOutputRow: onOutputRow, log: log)
        relay.worker = worker
        self.topology = topology
        self.metrics = metrics
        self.configuration = configuration
    }

    /// The checkpoint writer name when no instance id is configured: unique per live process.
    static func defaultWriterID() -> String {
        "eddy-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The default log: one line per message on stderr.
    @Sendable public static func writeToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Source topics this pipeline subscribes to.
    public var sourceTopics: [String] { worker.sources.map(\.topic) }

    /// Output topics it produces to (bound streams, error and late streams), in stream order.
    public var outputTopics: [String] {
        topology.streams.filter { !$0.isSource && ($0.isSystem || $0.binding.isBound) }.compactMap { topology.effectiveTopic($0) }
    }

    /// Checks that the state directory's checkpoints belong to this topology, that a broker answers
    /// and the source topics exist, subscribes, and starts processing on the pipeline thread. Fails
    /// with a one-line error otherwise (a checkpoint of another topology or format version is an
    /// error, never a silent cold start).
    public func start() async throws {
        try await worker.checkpoints?.backend.prepare(log: worker.log)
        try worker.checkpoints?.validate()
        let consumer = worker.consumer
        try await consumer.checkReachable(timeout: configuration.reachabilityTimeout)
        // Learning the partition leaders up front avoids librdkafka's 500 ms first-fetch back-off.
        for topic in sourceTopics { _ = try await consumer.describeTopic(topic, timeout: configuration.reachabilityTimeout) }
        try consumer.subscribe(topics: sourceTopics)
        worker.incidents.open()
        loop.start { [self] in try worker.run() }
    }

    /// Asks the pipeline to stop, waits until outputs are flushed and offsets committed, and shuts the
    /// producer down. Rethrows what ended the pipeline if it failed.
    public func stop() async throws {
        worker.stopRequested.store(true, ordering: .releasing)
        try await finished()
    }

    /// Waits until the pipeline has ended (after `stop()`, or a failure such as an undeliverable output).
    public func finished() async throws {
        try await loop.finished(shuttingDown: worker.producer)
    }

    /// Counts and stored offsets so far (refreshed every commit interval).
    public var progress: PipelineProgress { worker.progress.withLock { $0 } }

    /// The checkpoint store (`--state-dir` or `--changelog-topic`), shared with a `CombinerStage`.
    var checkpointStore: TaskCheckpointStore? { worker.checkpoints }
}

/// Lets the consumer's rebalance callback, created before the worker, reach it. Set once before
/// `subscribe`, read only on the pipeline thread.
private final class RebalanceRelay: @unchecked Sendable {
    /// Weak: the worker owns the consumer whose callbacks hold this relay, so a strong reference
    /// would be a cycle that keeps the clients, and librdkafka's threads, alive after the owner is gone.
    weak var worker: PipelineWorker?
}
