import EddyKafka
@testable import EddyRuntime
import EddyState
import Foundation
import Testing

extension CombineTopology {
    /// An instance (`a` unless named) with a task per partition and `--exactly-once`: a state directory unless a
    /// changelog topic is given.
    func exactlyOnceConfiguration(_ bootstrap: String, group: String, directory: String? = nil, changelog: String? = nil,
                                  instance: String = "a") -> PipelineConfiguration {
        var configuration = configuration(bootstrap, group: group, directory: directory ?? temporaryStateDirectory(), instance: instance)
        if let changelog {
            configuration.stateDirectory = nil
            configuration.changelogTopic = changelog
        }
        configuration.exactlyOnce = true
        return configuration
    }

    /// The records of the tests: windows 0...2 fire with the first 350 (ids up to 3.49 s of event
    /// time), windows 3...5 with the rest and the sentinels.
    static let records = (0..<600).map(CombineTopology.event)
    static let firstPart = Array(records[0..<350])
    static let secondPart = Array(records[350...]) + sentinels()
}

/// Rows grouped by key: every value a key was produced with (a row without a key under "").
func valuesPerKey(_ records: [KafkaRecord]) -> [String: Set<String>] {
    var values: [String: Set<String>] = [:]
    for record in records { values[record.keyText ?? "", default: []].insert(record.text) }
    return values
}

/// `--exactly-once` for the combiner of global aggregates: its rows, its checkpoint and the partials
/// offset commit in transactions of its own (`CombinerWorker+Transactions`).
@Suite("The combiner's rows in Kafka transactions (--exactly-once)")
struct CombinerTransactionTests {
    @Test("The combiner reads read_committed under --exactly-once whatever -X says, and its transactional.id is the instance's plus .combiner, never the tasks'")
    func configuration() throws {
        var configuration = CombineTopology().exactlyOnceConfiguration("localhost:9092", group: "g")
        configuration.kafka.set("isolation.level", "read_uncommitted")
        #expect(CombinerStage.consumerConfiguration(configuration)["isolation.level"] == "read_committed")
        #expect(CombinerStage.transactionalID(configuration) == "eddy.g.a.combiner")
        #expect(CombinerStage.transactionalID(configuration) != configuration.transactionalID(writerID: KafkaPipeline.defaultWriterID()))
        configuration.exactlyOnce = false
        // Without transactions the user's choice stands (the tasks' producer is then only idempotent).
        #expect(CombinerStage.consumerConfiguration(configuration)["isolation.level"] == "read_uncommitted")
    }

    @Test("With three tasks, every combined row is produced inside a committed combiner transaction; a stopped instance restarts with the same transactional.id and the rows equal one engine's, none twice")
    func committedRowsAndRestart() async throws {
        let topology = CombineTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let expected = try topology.expected(CombineTopology.records + CombineTopology.sentinels())
        let configuration = topology.exactlyOnceConfiguration(cluster.bootstrapServers, group: uniqueName("g"))
        let lines = LogLines()

        let first = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        let firstCombiner = try #require(first.combiner)
        try await first.start()
        #expect(firstCombiner.taskCount == 3)
        try await topology.feed(CombineTopology.firstPart, to: cluster)
        #expect(try await eventually { firstCombiner.progress.rowsCommitted == 6 })
        try await first.stop()

        let second = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        let secondCombiner = try #require(second.combiner)
        #expect(secondCombiner.transactionalID == firstCombiner.transactionalID)
        try await second.start()
        try await topology.feed(CombineTopology.secondPart, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        let busy = try await readTopic(topology.busy, bootstrap: cluster.bootstrapServers, count: expected.busy.count)
        #expect(try await eventually { secondCombiner.progress.rowsCommitted == 6 })
        try await second.stop()

        #expect(lines.all.contains { $0.contains("restored the combiner of comb from checkpoint") }, "\(lines.all)")
        expectOneEngine(totals, expected.totals)
        #expect(busy.map(\.text).sorted() == expected.busy)
        let runs = [firstCombiner.progress, secondCombiner.progress]
        // Every combined row the topics hold went through a transaction that committed: the rows
        // counted into committed transactions are all the rows there are, and none aborted.
        #expect(runs.map(\.rowsCommitted).reduce(0, +) == totals.count + busy.count)
        #expect(runs.map(\.rowsDelivered).reduce(0, +) == UInt64(totals.count + busy.count))
        // The combiner's producer sent nothing else (no changelog topic here): every message it
        // delivered is one of those rows.
        #expect(firstCombiner.producerStatistics.delivered + secondCombiner.producerStatistics.delivered == UInt64(totals.count + busy.count))
        #expect(runs.allSatisfy { $0.transactionsCommitted >= 1 && $0.transactionsAborted == 0 })
        #expect(second.progress.transactionsCommitted >= 1)
        let exposition = second.pipeline.metrics.registry.render()
        #expect(exposition.contains("eddy_combiner_transactions_total{outcome=\"committed\"} \(runs[1].transactionsCommitted)"), "\(exposition)")
        #expect(exposition.contains("eddy_combiner_transactions_total{outcome=\"aborted\"} 0"), "\(exposition)")
    }

    @Test("A combiner whose checkpoint transaction fails aborts it and stops; the restart with the same transactional.id restores its last committed checkpoint, and every combined window is there with one value per key")
    func abortedTransactionRestarts() async throws {
        let topology = CombineTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let expected = try topology.expected(CombineTopology.records + CombineTopology.sentinels())
        let directory = temporaryStateDirectory()
        let configuration = topology.exactlyOnceConfiguration(cluster.bootstrapServers, group: uniqueName("g"), directory: directory)
        let lines = LogLines()
        func instance() throws -> ScaledPipeline {
            try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        }
        func combinerCheckpoints() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("comb.combiner~") })
        }
        /// Runs only the tasks over `records`, until their last transaction committed: the partials
        /// wait in the topic, and no other transactional producer runs while a combiner does, so the
        /// error injected below can only hit the combiner.
        func runTasks(_ records: [(partition: Int32, json: String)]) async throws {
            let tasks = try instance().pipeline
            try await tasks.start()
            try await topology.feed(records, to: cluster)
            #expect(try await eventually { tasks.progress.recordsIn == records.count })
            try await tasks.stop()
        }

        // Windows 0...2 combined and committed with a checkpoint.
        try await runTasks(CombineTopology.firstPart)
        let committing = try #require(try instance().combiner)
        try await committing.start()
        #expect(try await eventually { committing.progress.rowsCommitted == 6 })
        try await committing.stop()
        let committed = try combinerCheckpoints()
        #expect(!committed.isEmpty)

        // Windows 3...5: the first AddOffsetsToTxn of the combiner fails (GROUP_AUTHORIZATION_FAILED, abortable).
        try await runTasks(CombineTopology.secondPart)
        cluster.injectErrors(on: .addOffsetsToTransaction, codes: [30])
        let failing = try #require(try instance().combiner)
        try await failing.start()
        let failure = await #expect(throws: KafkaError.self) { try await failing.finished() }
        #expect(failure?.kind == .transactionAbortable)
        #expect(failing.progress.transactionsAborted == 1)
        #expect(failing.progress.transactionsCommitted == 0 && failing.progress.rowsCommitted == 0)
        #expect(lines.all.contains { $0.hasPrefix("combiner transaction aborted (transactional.id \(CombinerStage.transactionalID(configuration)))") }, "\(lines.all)")
        // No checkpoint was written for the aborted transaction.
        #expect(try combinerCheckpoints() == committed)

        // The restart: same transactional.id, the last committed checkpoint, windows 3...5 again.
        let restarted = try #require(try instance().combiner)
        #expect(restarted.transactionalID == failing.transactionalID)
        try await restarted.start()
        #expect(try await eventually { restarted.progress.rowsCommitted == 6 })
        try await restarted.stop()
        #expect(restarted.progress.transactionsAborted == 0)
        #expect(restarted.progress.partialsAfterFire == 0)
        #expect(lines.all.filter { $0.contains("restored the combiner of comb from checkpoint") }.count == 2, "\(lines.all)")

        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        let busy = try await readTopic(topology.busy, bootstrap: cluster.bootstrapServers, count: expected.busy.count, settle: .milliseconds(300))
        // The embedded cluster shows the aborted transaction's rows too (a real cluster hides them
        // from read_committed consumers): repeats, each with the same value as its committed twin.
        let perKey = valuesPerKey(totals)
        #expect(Set(perKey.keys) == Set(expected.totals.keys))
        #expect(perKey.values.allSatisfy { $0.count == 1 })
        #expect(valuesByKey(totals) == expected.totals)
        #expect(totals.count - expected.totals.count <= 3)
        #expect(Set(busy.map(\.text)) == Set(expected.busy))
    }

    @Test("When a second instance joins, the combiner's partials partition is revoked: its open transaction commits with a final checkpoint, whoever gets the partition restores it, and no combined row is lost or repeated")
    func revocationCommits() async throws {
        let topology = CombineTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let expected = try topology.expected(CombineTopology.records + CombineTopology.sentinels())
        let group = uniqueName("g")
        let directory = temporaryStateDirectory()
        let lines = LogLines()
        func instance(_ name: String) throws -> ScaledPipeline {
            var configuration = topology.exactlyOnceConfiguration(cluster.bootstrapServers, group: group, directory: directory, instance: name)
            // No periodic checkpoint within the test: only revocations and stops commit transactions.
            configuration.checkpointInterval = .seconds(120)
            return try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        }

        let first = try instance("a")
        try await first.start()
        try await topology.feed(CombineTopology.firstPart, to: cluster)
        #expect(try await eventually { first.combiner?.progress.partials == 9 })
        #expect(first.combiner?.progress.transactionsCommitted == 0)
        let second = try instance("b")
        try await second.start()
        let instances = [first, second]
        // The revocation committed the open transaction with the combiner's first checkpoint, which
        // the new owner (either instance) restored.
        #expect(try await eventually {
            instances.allSatisfy { $0.progress.assignedPartitions > 0 } && instances.filter { $0.combiner?.progress.owned == true }.count == 1
                && lines.all.contains { $0.contains("restored the combiner of comb from checkpoint") }
        }, "\(lines.all)")
        try await topology.feed(CombineTopology.secondPart, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        try await first.stop()
        try await second.stop()

        expectOneEngine(totals, expected.totals)
        let progress = instances.compactMap { $0.combiner?.progress }
        #expect(progress.allSatisfy { $0.transactionsAborted == 0 })
        #expect(progress.map(\.rowsCommitted).reduce(0, +) == 12)
    }

    @Test("With a changelog topic, the combiner's snapshot commits inside its transaction and a restart restores it from the topic: the rows equal one engine's, none twice")
    func changelogSnapshotInsideTransaction() async throws {
        let topology = CombineTopology()
        let changelog = uniqueName("changelog")
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics + [.init(name: changelog, partitions: 1)])
        let expected = try topology.expected(CombineTopology.records + CombineTopology.sentinels())
        let configuration = topology.exactlyOnceConfiguration(cluster.bootstrapServers, group: uniqueName("g"), changelog: changelog)
        let lines = LogLines()

        let first = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        try await first.start()
        try await topology.feed(CombineTopology.firstPart, to: cluster)
        #expect(try await eventually { first.combiner?.progress.rowsCommitted == 6 })
        try await first.stop()
        #expect(first.combiner?.progress.checkpointsWritten ?? 0 >= 1)
        #expect(!lines.all.contains { $0.contains("could not write the combiner checkpoint") }, "\(lines.all)")

        let reader = try ChangelogCheckpointBackend(topic: changelog, kafka: configuration.kafka, maxMessageBytes: configuration.changelogMessageBytes, transactional: true)
        let fingerprint = try #require(first.pipeline.checkpointStore?.fingerprint)
        let snapshot = try #require(try reader.loadNewest(scope: "comb.combiner", fingerprint: fingerprint).checkpoint)
        #expect(snapshot.inputOffsets.count == 1 && snapshot.inputOffsets[0].topic == CombineTopology.partialsTopic)

        let second = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        try await second.start()
        try await topology.feed(CombineTopology.secondPart, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        try await second.stop()
        #expect(lines.all.contains { $0.contains("restored the combiner of comb from checkpoint \(snapshot.id)") }, "\(lines.all)")
        expectOneEngine(totals, expected.totals)
        #expect(second.combiner?.progress.rowsCommitted == 6)
    }
}
