import EddyEngine
import EddyKafka
@testable import EddyRuntime
import EddySQL
import EddyState
import Synchronization
import Testing

/// Exactly-once with `--changelog-topic`: snapshots written inside the checkpoint transaction, the
/// reader's commit-marker and abort-notice rules (`ChangelogTransactionFilter`), and the topic checks
/// (`ChangelogTopicPolicy`, `prepare`).
@Suite("Changelog snapshots inside transactions")
struct ChangelogTransactionTests {
    static let chunkBytes = 1024
    static let scope = "events.single"

    static func checkpoint(id: UInt64, nextOffset: Int64, fill: UInt8 = 7) -> Checkpoint {
        Checkpoint(scope: scope, topologyFingerprint: "fp", id: id, createdAtMillis: 0,
                   inputOffsets: [InputOffset(topic: "in", partition: 0, nextOffset: nextOffset)],
                   operatorStates: [OperatorState(name: "engine", bytes: Array(repeating: fill, count: 3000))])
    }

    /// The reader's view: every message through the filter, then the assembler.
    struct Reader {
        var filter = ChangelogTransactionFilter()
        var assembler = ChangelogAssembler()
        mutating func read(_ messages: [ChangelogMessage], token: String?) {
            for message in messages {
                assembler.add(contentsOf: filter.admit(message, token: token.map { Array($0.utf8) }))
            }
        }
        func newest() throws -> Checkpoint? { try assembler.newest(scope: scope, fingerprint: "fp").checkpoint }
    }

    static func chunks(_ checkpoint: Checkpoint) throws -> [ChangelogMessage] {
        try ChangelogChunker(maxMessageBytes: chunkBytes).messages(for: checkpoint)
    }

    static func marker(_ kind: ChangelogTransactionKeys.Kind, _ checkpoint: Checkpoint, token: String) -> ChangelogMessage {
        ChangelogMessage(key: ChangelogTransactionKeys.marker(kind, scope: checkpoint.scope, checkpointID: checkpoint.id), value: Array(token.utf8))
    }

    @Test("Marker and chunk keys parse back; foreign keys are not Eddy's")
    func keys() {
        let commit = ChangelogTransactionKeys.parse(ChangelogTransactionKeys.marker(.commit, scope: "a.task-3", checkpointID: 42))
        #expect(commit?.kind == .commit && commit?.scope == "a.task-3" && commit?.checkpointID == 42)
        let abort = ChangelogTransactionKeys.parse(ChangelogTransactionKeys.marker(.abort, scope: "a~b", checkpointID: 7))
        #expect(abort?.kind == .abort && abort?.scope == "a~b" && abort?.checkpointID == 7)
        let chunk = ChangelogTransactionKeys.parse(ChangelogChunk.key(scope: "a.single", checkpointID: 9, index: 12))
        #expect(chunk?.kind == .chunk && chunk?.scope == "a.single" && chunk?.checkpointID == 9)
        #expect(ChangelogTransactionKeys.parse(Array("a~x~commit".utf8)) == nil)
        #expect(ChangelogTransactionKeys.parse(Array("hello".utf8)) == nil)
        #expect(ChangelogTransactionKeys.parse(Array("a~1~zz".utf8)) == nil)
    }

    @Test("A transactional snapshot counts only once its commit marker with the same token is read")
    func markerReleasesChunks() throws {
        let first = Self.checkpoint(id: 1, nextOffset: 10), second = Self.checkpoint(id: 2, nextOffset: 20, fill: 8)
        var reader = Reader()
        reader.read(try Self.chunks(first), token: "t1")
        #expect(try reader.newest() == nil)
        reader.read([Self.marker(.commit, first, token: "t1")], token: nil)
        #expect(try reader.newest() == first)
        // Complete chunks of a newer snapshot, but its marker never came (the writer died before it):
        // the committed one stays in use; a marker with another token does not release them either.
        reader.read(try Self.chunks(second), token: "t2")
        reader.read([Self.marker(.commit, second, token: "other")], token: nil)
        #expect(try reader.newest() == first)
        reader.read([Self.marker(.commit, second, token: "t2")], token: nil)
        #expect(try reader.newest() == second)
    }

    @Test("An abort notice voids its transaction's snapshot even when its chunks and marker are visible (the embedded cluster); a rewrite of the same id with a new token counts")
    func abortNoticeVoids() throws {
        let committed = Self.checkpoint(id: 4, nextOffset: 40)
        let aborted = Self.checkpoint(id: 5, nextOffset: 0, fill: 9)
        let rewrite = Self.checkpoint(id: 5, nextOffset: 50, fill: 10)
        var reader = Reader()
        reader.read(try Self.chunks(committed), token: "a-1")
        reader.read([Self.marker(.commit, committed, token: "a-1")], token: nil)
        reader.read(try Self.chunks(aborted), token: "a-2")
        reader.read([Self.marker(.commit, aborted, token: "a-2")], token: nil)
        #expect(try reader.newest() == aborted)
        // A notice naming another transaction changes nothing.
        reader.read([Self.marker(.abort, aborted, token: "a-9")], token: nil)
        #expect(try reader.newest() == aborted)
        reader.read([Self.marker(.abort, aborted, token: "a-2")], token: nil)
        #expect(try reader.newest() == committed)
        #expect(reader.filter.voided == 1)
        // The restarted writer reuses id 5 for its next snapshot, in a transaction of its own.
        reader.read(try Self.chunks(rewrite), token: "b-1")
        reader.read([Self.marker(.commit, rewrite, token: "b-1")], token: nil)
        #expect(try reader.newest() == rewrite)
    }

    @Test("Chunks without the transaction header (the non-transactional writer) pass through, and tombstones retire snapshots")
    func untaggedAndTombstones() throws {
        let plain = Self.checkpoint(id: 1, nextOffset: 10), tagged = Self.checkpoint(id: 2, nextOffset: 20, fill: 3)
        var reader = Reader()
        reader.read(try Self.chunks(plain), token: nil)
        #expect(try reader.newest() == plain)
        reader.read(try Self.chunks(tagged), token: "t")
        reader.read([Self.marker(.commit, tagged, token: "t")], token: nil)
        reader.read(ChangelogChunker.tombstones(scope: Self.scope, checkpointID: 2, chunkCount: 1), token: nil)
        #expect(try reader.newest() == plain)
    }

    @Test("The policy creates compacted topics and refuses one whose retention would delete snapshots or whose messages are too small")
    func policy() {
        let policy = ChangelogTopicPolicy(topic: "cl", chunkBytes: 1_000_000)
        #expect(policy.creationConfigs["cleanup.policy"] == "compact")
        #expect(policy.creationConfigs["max.message.bytes"] == "1000000")
        #expect(policy.creationConfigs["segment.ms"] == "600000")
        #expect(policy.creationConfigs["min.compaction.lag.ms"] == "0")
        #expect(policy.problems(in: policy.creationConfigs).isEmpty)
        #expect(policy.problems(in: ["cleanup.policy": "compact", "max.message.bytes": "1048588"]).isEmpty)
        let delete = policy.problems(in: ["cleanup.policy": "delete", "max.message.bytes": "1048588"])
        #expect(delete.count == 1)
        #expect(delete.first?.contains("cleanup.policy=compact") == true)
        #expect(delete.first?.contains("kafka-configs") == true)
        // No cleanup.policy in the answer means the broker default, delete.
        #expect(policy.problems(in: [:]).count == 1)
        #expect(policy.problems(in: ["cleanup.policy": "compact,delete"]).count == 1)
        #expect(policy.problems(in: ["cleanup.policy": "compact,delete", "retention.ms": "-1", "retention.bytes": "-1"]).isEmpty)
        let small = policy.problems(in: ["cleanup.policy": "compact", "max.message.bytes": "500000"])
        #expect(small.count == 1)
        #expect(small.first?.contains("--changelog-message-bytes 500000") == true)
    }

    func configuration(_ bootstrap: String, group: String, topic: String) -> PipelineConfiguration {
        var configuration = pipelineConfiguration(bootstrap, group: group)
        configuration.changelogTopic = topic
        configuration.changelogMessageBytes = Self.chunkBytes
        configuration.checkpointInterval = .milliseconds(300)
        configuration.commitInterval = .milliseconds(100)
        configuration.exactlyOnce = true
        // The transactional.id is eddy.<group>.<instance id>: the same on restart.
        configuration.instanceID = "instance-a"
        return configuration
    }

    @Test("A missing changelog topic on the embedded cluster (which cannot create topics) stops start-up at once, saying how to declare it")
    func missingTopicOnEmbeddedCluster() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let missing = uniqueName("changelog")
        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: configuration(cluster.bootstrapServers, group: uniqueName("g"), topic: missing), log: { _ in })
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: KafkaError.self) { try await pipeline.start() }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("eddy broker --topic \(missing):1") == true)
        // Without the controller check, CreateTopics would wait out its 30 s timeout. The check's own
        // waits (metadata, at most 5 s, and the controller id, at most 2 s) took 15 s in all once on a
        // machine loaded with parallel builds, against well under a second when quiet.
        #expect(clock.now - started < .seconds(20))
    }

    @Test("Exactly-once with a changelog topic on the embedded cluster: a committed transaction carries outputs, offsets and chunks; an aborted one's chunks are ignored by the restore; a restart with the same transactional.id restores the committed snapshot")
    func committedAbortedAndRestart() async throws {
        let scenario = try TransactionScenario()

        // 1. Committed checkpoint transactions: outputs + offsets + chunks.
        try await produce(Array(scenario.all[0..<300]), topic: scenario.topology.input, bootstrap: scenario.bootstrap)
        let first = try KafkaPipeline(topology: scenario.topology.topology(), configuration: configuration(scenario.bootstrap, group: scenario.group, topic: scenario.changelog), log: scenario.log)
        try await first.start()
        #expect(try await eventually { first.progress.recordsIn == 300 && first.progress.checkpointOffsets.values.sorted() == [100, 100, 100] })
        try await first.stop()
        #expect(first.progress.transactionsCommitted >= 1)
        // The embedded cluster cannot describe topic configs: reported once, not fatal.
        #expect(scenario.logs.withLock { $0.filter { $0.contains("could not check the configs of changelog topic") }.count } == 1)

        let reader = try ChangelogCheckpointBackend(topic: scenario.changelog, kafka: scenario.kafka, maxMessageBytes: Self.chunkBytes, transactional: true)
        let committed = try #require(try reader.loadNewest(scope: Self.scope, fingerprint: scenario.fingerprint).checkpoint)
        #expect(Set(committed.inputOffsets) == Set((0..<3).map { InputOffset(topic: scenario.topology.input, partition: Int32($0), nextOffset: 100) }))

        // 2. An aborted checkpoint transaction, as a pipeline whose commit failed leaves it: an output
        // and the chunks and marker of a newer snapshot whose offsets (0) would make the restart read
        // everything again; then the abort notice.
        let writer = try #require(reader.transactionalWriter)
        let aborting = try KafkaTransactionalProducer(configuration: scenario.kafka, transactionalID: uniqueName("aborting"))
        try await aborting.initTransactions()
        try aborting.beginTransaction()
        var forged = committed
        forged.id = committed.id + 1
        forged.inputOffsets = committed.inputOffsets.map { InputOffset(topic: $0.topic, partition: $0.partition, nextOffset: 0) }
        let pending = try writer.enqueue([TaskCheckpointStore.Capture(checkpoint: forged, snapshotSeconds: 0)], producer: aborting.producer)
        #expect(pending.count == 1 && pending[0].chunkCount > 1)
        _ = try aborting.producer.enqueue(ProducerRecord(topic: scenario.topology.perKey, partition: 0, key: Array("aborted-output".utf8), value: Array("aborted".utf8)))
        // Delivered before the abort, so the embedded cluster keeps (and shows) them.
        #expect(aborting.producer.waitForDelivery(through: aborting.producer.mark()).succeeded)
        try await aborting.abortTransaction()
        try writer.writeAbortNotices(pending, transactions: aborting)
        _ = await aborting.shutdown()

        // The embedded cluster shows the aborted records to read_committed readers: without the
        // filter, the aborted snapshot would be restored.
        let raw = try await readTopic(scenario.changelog, bootstrap: scenario.bootstrap, count: Int.max, timeout: .seconds(3))
        var unfiltered = ChangelogAssembler()
        for record in raw where ChangelogTransactionKeys.parse(record.key ?? [])?.kind == .chunk {
            unfiltered.add(ChangelogMessage(key: record.key ?? [], value: record.value))
        }
        #expect(try unfiltered.newest(scope: Self.scope, fingerprint: scenario.fingerprint).checkpoint == forged)
        let fresh = try ChangelogCheckpointBackend(topic: scenario.changelog, kafka: scenario.kafka, maxMessageBytes: Self.chunkBytes, transactional: true)
        #expect(try fresh.loadNewest(scope: Self.scope, fingerprint: scenario.fingerprint).checkpoint == committed)
        #expect(fresh.voidedSnapshots == 1)

        // 3. Restart with the same transactional.id: restores the committed snapshot, reads on from its offsets.
        let second = try KafkaPipeline(topology: scenario.topology.topology(), configuration: configuration(scenario.bootstrap, group: scenario.group, topic: scenario.changelog), log: scenario.log)
        try await second.start()
        try await produce(Array(scenario.all[300...]), topic: scenario.topology.input, bootstrap: scenario.bootstrap)
        #expect(try await eventually { second.progress.recordsIn == scenario.all.count - 300 })
        let perKey = try await readTopic(scenario.topology.perKey, bootstrap: scenario.bootstrap, count: scenario.expected.perKey.count + 1, settle: .milliseconds(500))
        try await second.stop()

        #expect(second.progress.restoredTasks == 1)
        #expect(second.progress.transactionsCommitted >= 1)
        // Nothing read twice: the aborted snapshot's offsets (0) were not used.
        #expect(first.progress.recordsIn + second.progress.recordsIn == scenario.all.count)
        var actual = valuesByKey(perKey)
        // The embedded cluster shows the aborted output too (a real cluster hides it from read_committed readers).
        #expect(actual.removeValue(forKey: "aborted-output") == "aborted")
        #expect(actual == scenario.expected.perKey)
        let final = try #require(try fresh.loadNewest(scope: Self.scope, fingerprint: scenario.fingerprint).checkpoint)
        #expect(final.id > committed.id)
        #expect(Set(final.inputOffsets) == Set((0..<3).map { InputOffset(topic: scenario.topology.input, partition: Int32($0), nextOffset: 201) }))
    }

    @Test("A pipeline whose checkpoint transaction fails after its snapshot was enqueued aborts it and voids the snapshot; the restart restores the previous committed one and processes the aborted records again")
    func pipelineAbortVoidsSnapshot() async throws {
        let scenario = try TransactionScenario()

        try await produce(Array(scenario.all[0..<300]), topic: scenario.topology.input, bootstrap: scenario.bootstrap)
        let first = try KafkaPipeline(topology: scenario.topology.topology(), configuration: configuration(scenario.bootstrap, group: scenario.group, topic: scenario.changelog), log: scenario.log)
        try await first.start()
        #expect(try await eventually { first.progress.recordsIn == 300 && first.progress.checkpointOffsets.values.sorted() == [100, 100, 100] })
        // Idle checkpoints send no offsets (unchanged), so the next AddOffsetsToTxn is the one of the
        // checkpoint that carries the next records' snapshot: it fails, abortably.
        scenario.cluster.injectErrors(on: .addOffsetsToTransaction, codes: [30])  // GROUP_AUTHORIZATION_FAILED
        try await produce(Array(scenario.all[300..<450]), topic: scenario.topology.input, bootstrap: scenario.bootstrap)
        let failure = await #expect(throws: KafkaError.self) { try await first.finished() }
        #expect(failure?.kind == .transactionAbortable)
        #expect(first.progress.recordsIn == 450)
        #expect(scenario.logs.withLock { $0.contains { $0.hasPrefix("checkpoint transaction aborted: 1 snapshot(s)") } })

        let reader = try ChangelogCheckpointBackend(topic: scenario.changelog, kafka: scenario.kafka, maxMessageBytes: Self.chunkBytes, transactional: true)
        let restored = try #require(try reader.loadNewest(scope: Self.scope, fingerprint: scenario.fingerprint).checkpoint)
        #expect(Set(restored.inputOffsets) == Set((0..<3).map { InputOffset(topic: scenario.topology.input, partition: Int32($0), nextOffset: 100) }))

        let second = try KafkaPipeline(topology: scenario.topology.topology(), configuration: configuration(scenario.bootstrap, group: scenario.group, topic: scenario.changelog), log: scenario.log)
        try await second.start()
        try await produce(Array(scenario.all[450...]), topic: scenario.topology.input, bootstrap: scenario.bootstrap)
        #expect(try await eventually { second.progress.recordsIn == scenario.all.count - 300 })
        let perKey = try await readTopic(scenario.topology.perKey, bootstrap: scenario.bootstrap, count: scenario.expected.perKey.count, settle: .milliseconds(500))
        try await second.stop()
        #expect(second.progress.restoredTasks == 1)
        // Outputs are deterministic, so those of the aborted transaction (which the embedded cluster
        // still shows) repeat the same keys and values.
        #expect(valuesByKey(perKey) == scenario.expected.perKey)
    }
}

/// The set-up the exactly-once changelog tests share: the events topology on a fresh embedded cluster
/// with a one-partition changelog topic, the whole seeded input, what the test driver emits for it,
/// and a log that keeps every line for assertions.
final class TransactionScenario: Sendable {
    let topology = EventsTopology()
    let changelog = uniqueName("changelog")
    let cluster: EmbeddedCluster
    let kafka: KafkaConfiguration
    let all = (0..<600).map(EventsTopology.event) + EventsTopology.sentinels()
    let expected: (perKey: [String: String], big: [String])
    let fingerprint: String
    let group = uniqueName("g")
    let logs = Mutex<[String]>([])

    init() throws {
        cluster = try EmbeddedCluster(topics: topology.clusterTopics + [.init(name: changelog, partitions: 1)])
        kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        expected = try KafkaPipelineTests.replay(topology, all)
        fingerprint = try Engine(topology: topology.topology()).stateFingerprint
    }

    var bootstrap: String { cluster.bootstrapServers }
    var log: @Sendable (String) -> Void { { [self] line in logs.withLock { $0.append(line) } } }
}
