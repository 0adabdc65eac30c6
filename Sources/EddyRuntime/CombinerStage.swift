import EddyKafka
import EddyMetrics
import EddySQL
import Foundation
import Synchronization

/// Runs next to a per-partition `KafkaPipeline` whose topology has global aggregates that can be
/// combined (`CombinePlan`): each task publishes its combined pumps' closed partial windows and its
/// progress to `<topology>.partials`; this stage consumes that topic, folds every task's partial of
/// a window together (`PartialCombiner`) once every task is past the window, and produces the
/// combined pumps' rows — and those of the pumps reading them — to their output topics, with the
/// keys and values a single task would have produced.
///
/// ## Group
/// It consumes in its own group (`<groupID>.combine`). The partials topic has one partition, so with
/// several instances exactly one runs the combiner; when it stops, another is assigned the partition
/// and restores the combiner's newest checkpoint.
///
/// ## Checkpoints and delivery
/// With a state directory or changelog topic, every checkpoint interval (and on revoke and at shutdown)
/// the combiner's engine, its buffered partials and every task's progress are captured with the
/// partials offset they cover (scope `<topology>.combiner`), and written once the combined rows
/// produced before are delivered. A restart restores it and reads on from that offset: the rows
/// combined since are produced again, identical and with the same keys (effectively-once, bound:
/// one checkpoint interval of combined rows). Without checkpoints it reads the partials topic from its
/// beginning at each start. A task restarted from an older checkpoint publishes its partials again:
/// a replay replaces the buffered partial, and one for a window that already fired is ignored.
///
/// ## Exactly-once (`exactlyOnce`)
/// The combiner then has a transactional producer of its own (`transactionalID`), and each combiner
/// checkpoint is one transaction: the combined rows fired since the previous one, the combiner's
/// snapshot with a changelog topic, and the partials offset it covers, sent for group
/// `<group>.combine` (`CombinerWorker+Transactions`). It reads the partials topic `read_committed`,
/// so on a real cluster it never combines the partials of an aborted task transaction.
///
/// ## Threads
/// Polling, combining and producing run on one dedicated thread, never on Swift's cooperative pool.
public final class CombinerStage: Sendable {
    public let partialsTopic: String
    public let groupID: String
    public let plan: CombinePlan
    private let worker: CombinerWorker
    private let configuration: PipelineConfiguration
    private let inputTopics: [String]
    private let log: @Sendable (String) -> Void
    private let loop = DedicatedLoop(threadName: "eddy-combiner")

    /// Builds the Kafka clients; nothing connects until `start()`.
    ///
    /// - Parameters:
    ///   - topology: the topology as the tasks run it (reading repartition topics where needed).
    ///   - plan: its `CombinePlan` (at least one combined pump).
    ///   - checkpoints: the pipeline's checkpoint store, nil without `--state-dir`/`--changelog-topic`.
    init(topology: Topology, plan: CombinePlan, configuration: PipelineConfiguration, checkpoints: TaskCheckpointStore?,
         metrics: PipelineMetrics, onOutputRow: OutputRowHandler?, groupID: String? = nil,
         log: @escaping @Sendable (String) -> Void) throws {
        let group = groupID ?? "\(configuration.groupID).combine"
        let incidents = IncidentLog(write: log)
        let relay = CombinerRebalanceRelay()
        let consumer = try KafkaConsumer(
            configuration: Self.consumerConfiguration(configuration), groupID: group, startPosition: .earliest,
            onRebalance: { event in relay.worker?.handle(event) },
            onError: { error in incidents.report(kind: error.code ?? error.message, "Kafka (combiner): \(error.message)") },
            startOffsets: { partitions in relay.worker?.startOffsets(for: partitions) ?? [:] })
        let onError: @Sendable (KafkaError) -> Void = { error in incidents.report(kind: error.code ?? error.message, "Kafka (combiner): \(error.message)") }
        let transactions: KafkaTransactionalProducer?
        let producer: KafkaProducer
        if configuration.exactlyOnce {
            guard checkpoints != nil else {
                throw KafkaError(kind: .configuration, message: "exactly-once needs checkpoints (--changelog-topic or --state-dir): each combiner transaction commits together with the combiner's checkpoint")
            }
            let created = try KafkaTransactionalProducer(
                configuration: configuration.transactionalProducerConfiguration(),
                transactionalID: Self.transactionalID(configuration), onError: onError)
            transactions = created
            producer = created.producer
        } else {
            transactions = nil
            producer = try KafkaProducer(configuration: configuration.producerConfiguration(), onError: onError)
        }
        worker = CombinerWorker(consumer: consumer, producer: producer, transactions: transactions, topology: topology, pumps: plan.combinedPumps,
                                partialsTopic: plan.partialsTopic, configuration: configuration, checkpoints: checkpoints,
                                metrics: metrics, onOutputRow: onOutputRow, incidents: incidents, log: log)
        relay.worker = worker
        partialsTopic = plan.partialsTopic
        self.groupID = group
        self.plan = plan
        self.configuration = configuration
        self.log = log
        inputTopics = topology.streams.filter { $0.isSource && !$0.isSystem }.compactMap(\.binding.topic)
    }

    /// The combiner's `transactional.id` with `--exactly-once`: the instance's own (`eddy.<group>.<instance
    /// id>`, stable across restarts) plus `.combiner`. It must differ from the tasks' id, which the
    /// same process uses at the same time: two live producers with one id fence each other.
    static func transactionalID(_ configuration: PipelineConfiguration) -> String {
        configuration.transactionalID(writerID: KafkaPipeline.defaultWriterID()) + ".combiner"
    }

    /// The `transactional.id` of the combiner's producer with `--exactly-once`, nil without.
    public var transactionalID: String? { worker.transactions?.transactionalID }

    /// Eddy's consumer defaults for the combiner, before the user's properties. Offsets are committed
    /// only inside `--exactly-once` transactions (for the broker's zombie fencing, KIP-447), never
    /// read back: a restart seeks to its checkpoint's offset, or reads the topic from its beginning.
    /// `read_committed` keeps partials of aborted task transactions out on a real cluster.
    static func consumerConfiguration(_ configuration: PipelineConfiguration) -> KafkaConfiguration {
        var merged = KafkaConfiguration(properties: [
            ("fetch.wait.max.ms", "10"), ("session.timeout.ms", "10000"), ("heartbeat.interval.ms", "1000"),
            ("isolation.level", "read_committed"),
        ] + configuration.staticMembership).merging(configuration.kafka)
        merged.set("enable.auto.commit", "false")
        merged.set("auto.offset.reset", "earliest")
        // Under --exactly-once the user's -X cannot turn it off: read_uncommitted would combine the
        // partials of task transactions that later abort.
        if configuration.exactlyOnce { merged.set("isolation.level", "read_committed") }
        return merged
    }

    /// The number of tasks: the partition count of the tasks' input topics (the largest, when several
    /// sources are co-partitioned).
    public var taskCount: Int { worker.taskCount }

    /// Checks that a broker answers, counts the tasks from the input topics' metadata, checks or
    /// creates the partials topic (one partition), subscribes, and starts combining on the stage's
    /// thread. Fails with a one-line error otherwise.
    public func start() async throws {
        let consumer = worker.consumer
        let timeout = configuration.reachabilityTimeout
        try await consumer.checkReachable(timeout: timeout)
        var tasks = 0
        for topic in inputTopics { tasks = max(tasks, try await consumer.describeTopic(topic, timeout: timeout).partitions.count) }
        guard tasks > 0 else { throw KafkaError(kind: .configuration, message: "the combiner found no partitions in \(inputTopics.joined(separator: ", "))") }
        worker.taskCountBox.withLock { $0 = tasks }
        let existing = try await InternalTopic.ensure(partialsTopic, partitions: 1, purpose: "partials", producer: worker.producer, kafka: configuration.kafka,
                                                      timeout: timeout, makeError: { KafkaError(kind: .configuration, message: $0) })
        if let existing, existing != 1 {
            log("note: partials topic \(partialsTopic) has \(existing) partitions; tasks publish to partition 0 only")
        }
        try consumer.subscribe(topics: [partialsTopic])
        worker.incidents.open()
        loop.start { [self] in try worker.run() }
    }

    /// Asks the stage to stop, waits until combined rows are delivered and the combiner checkpointed,
    /// and shuts the producer down. Rethrows what ended the stage if it failed.
    public func stop() async throws {
        worker.stopRequested.store(true, ordering: .releasing)
        try await finished()
    }

    /// Waits until the stage has ended (after `stop()`, or a failure such as an undeliverable row).
    public func finished() async throws {
        try await loop.finished(shuttingDown: worker.producer)
    }

    /// Counts so far (refreshed after every poll).
    public var progress: CombinerProgress { worker.progress.withLock { $0 } }

    /// What the combiner's producer enqueued and delivered (rows, and with a changelog topic under
    /// `--exactly-once` the combiner's snapshots too).
    var producerStatistics: ProducerStatistics { worker.producer.statistics }
}

/// Lets the consumer's callbacks, created before the worker, reach it. Set once before `subscribe`,
/// read only on the stage thread.
private final class CombinerRebalanceRelay: @unchecked Sendable {
    /// Weak: the worker owns the consumer whose callbacks hold this relay, so a strong reference
    /// would be a cycle that keeps the clients, and librdkafka's threads, alive after the owner is gone.
    weak var worker: CombinerWorker?
}
