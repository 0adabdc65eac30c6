import EddyEngine
import EddyKafka
import EddyMetrics
import EddyRuntime
import EddySQL
import EddyState
import Foundation
import Testing

@Suite("Checkpoints and tasks on the embedded cluster")
struct CheckpointTests {
    @Test("With a state directory, checkpoints are written at the interval and at shutdown, with the processed offsets")
    func writesCheckpoints() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let directory = temporaryStateDirectory()
        let records = (0..<300).map(EventsTopology.event)
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrapServers)

        let metrics = try PipelineMetrics()
        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: checkpointConfiguration(cluster.bootstrapServers, group: uniqueName("g"), stateDirectory: directory),
                                         metrics: metrics)
        try await pipeline.start()
        #expect(try await eventually { pipeline.progress.recordsIn == records.count && pipeline.progress.checkpointsWritten >= 1 })
        let duringRun = pipeline.progress.checkpointsWritten
        // More records: the next interval writes a newer checkpoint.
        try await produce((300..<330).map(EventsTopology.event), topic: topology.input, bootstrap: cluster.bootstrapServers)
        #expect(try await eventually { pipeline.progress.checkpointsWritten > duringRun })
        try await pipeline.stop()

        let progress = pipeline.progress
        #expect(progress.lastCheckpointMillis != nil)
        #expect(progress.lastCheckpointBytes > 0)
        #expect(metrics.snapshot().lastCheckpointSeconds > 0)
        let exposition = metrics.registry.render()
        #expect(exposition.contains("eddy_checkpoint_duration_seconds_count"))
        #expect(exposition.contains("eddy_state_bytes{task=\"single\"}"))

        // The newest checkpoint holds every partition's next offset: 110 records each.
        let engine = try Engine(topology: topology.topology())
        let store = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "reader")
        #expect(try store.scopes() == ["events.single"])
        #expect(try store.list(scope: "events.single").count <= 3)
        let newest = try #require(try store.loadNewest(scope: "events.single", fingerprint: engine.stateFingerprint).checkpoint)
        #expect(Set(newest.inputOffsets) == Set((0..<3).map { InputOffset(topic: topology.input, partition: Int32($0), nextOffset: 110) }))
        #expect(newest.state(named: "engine") != nil)
    }

    @Test("A restarted pipeline restores its state and reads on from the checkpoint's offsets, not the group's: outputs equal an uninterrupted run")
    func restoresAndSeeks() async throws {
        let scenario = try EventsScenario(events: (0..<900).map(EventsTopology.event))
        let directory = temporaryStateDirectory()
        let first = try await scenario.runFirst(450, checkpointConfiguration(scenario.bootstrap, group: uniqueName("g"), stateDirectory: directory))
        #expect(first.progress.checkpointOffsets.values.sorted() == [150, 150, 150])

        // Another group: it has no committed offsets at all, so only the checkpoint says where to read.
        let second = try await scenario.resume(
            from: 450, checkpointConfiguration(scenario.bootstrap, group: uniqueName("other"), stateDirectory: directory))
        // Nothing was read twice, and every window was emitted exactly once with the uninterrupted value.
        scenario.expectResumedExactly(second, after: first)
        #expect(second.progress.lateRows == 0)
    }

    @Test("After a crash the newest checkpoint is older than what was emitted: the restart replays from it and repeats only identical rows")
    func crashRepeatsIdenticalRows() async throws {
        let scenario = try EventsScenario(events: (0..<900).map(EventsTopology.event))
        let (bootstrap, expected) = (scenario.bootstrap, scenario.expected)
        let directory = temporaryStateDirectory()

        try await scenario.produceInput(0..<300)
        let first = try await scenario.startPipeline(checkpointConfiguration(bootstrap, group: uniqueName("g"), stateDirectory: directory))
        #expect(try await eventually { first.progress.checkpointOffsets.values.sorted() == [100, 100, 100] })
        // What a crash right now would leave behind: the state directory as it is at this moment.
        let crashed = temporaryStateDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".ckpt") && !name.hasPrefix(".") {
            try? FileManager.default.copyItem(atPath: directory + "/" + name, toPath: crashed + "/" + name)
        }
        // The first instance goes on emitting windows past that checkpoint before it "crashes".
        try await scenario.produceInput(300..<600)
        #expect(try await eventually { first.progress.recordsIn == 600 })
        try await first.stop()

        let second = try await scenario.startPipeline(checkpointConfiguration(bootstrap, group: uniqueName("other"), stateDirectory: crashed))
        try await scenario.produceInput(600...)
        #expect(try await eventually { second.progress.recordsIn == scenario.all.count - 300 })
        let perKey = try await readTopic(scenario.topology.perKey, bootstrap: bootstrap, count: expected.perKey.count + 1, timeout: .seconds(5))
        try await second.stop()

        #expect(second.progress.restoredTasks == 1)
        var values: [String: [String]] = [:]
        for record in perKey { values[record.keyText ?? "", default: []].append(record.text) }
        #expect(Set(values.keys) == Set(expected.perKey.keys))
        for (key, value) in expected.perKey { #expect(Set(values[key] ?? []) == [value], "window \(key)") }
        // Rows were repeated (the windows the first instance emitted after the copied checkpoint),
        // and only those: each at most twice.
        let repeats = perKey.count - values.count
        #expect(repeats > 0)
        #expect(values.values.allSatisfy { $0.count <= 2 })
    }

    @Test("Per-partition tasks: two instances split the tasks, and when one stops the other takes over its partitions with their restored state")
    func perPartitionTakeover() async throws {
        let scenario = try EventsScenario(events: (0..<1_200).map(partitionLocalEvent))
        let (bootstrap, expected) = (scenario.bootstrap, scenario.expected)
        let directory = temporaryStateDirectory()
        let group = uniqueName("g")
        #expect(expected.perKey.count == 72)  // 12 one-second windows × 6 keys

        try await scenario.produceInput(0..<400)
        let first = try await scenario.startPipeline(checkpointConfiguration(bootstrap, group: group, stateDirectory: directory, layout: .perPartition))
        #expect(try await eventually { first.progress.recordsIn == 400 && first.progress.activeTasks == 3 })

        let second = try await scenario.startPipeline(checkpointConfiguration(bootstrap, group: group, stateDirectory: directory, layout: .perPartition))
        #expect(try await eventually { first.progress.activeTasks > 0 && second.progress.activeTasks > 0
            && first.progress.assignedPartitions + second.progress.assignedPartitions == 3 })
        // The second instance took over tasks the first had checkpointed when they were revoked.
        #expect(second.progress.restoredTasks == second.progress.activeTasks)
        try await scenario.produceInput(400..<800)
        #expect(try await eventually { first.progress.recordsIn + second.progress.recordsIn >= 800 })

        try await first.stop()
        #expect(try await eventually { second.progress.assignedPartitions == 3 })
        try await scenario.produceInput(800...)
        let perKey = try await readTopic(scenario.topology.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .milliseconds(500))
        try await second.stop()

        // Every window is there with the uninterrupted value: no gap where the partitions moved,
        // and a repeated window (if any) carries the same value.
        var values: [String: Set<String>] = [:]
        for record in perKey { values[record.keyText ?? "", default: []].insert(record.text) }
        for (key, value) in expected.perKey { #expect(values[key] == [value], "window \(key)") }
        #expect(Set(values.keys) == Set(expected.perKey.keys))
        #expect(first.progress.lateRows == 0 && second.progress.lateRows == 0)
        // Nothing was read twice: each partition's records went to exactly one task at a time.
        #expect(first.progress.recordsIn + second.progress.recordsIn == scenario.all.count)
    }

    @Test("Exactly-once mode: every checkpoint commits one transaction with the outputs and offsets; a restart restores and continues")
    func exactlyOnceTransactions() async throws {
        let scenario = try EventsScenario(events: (0..<600).map(EventsTopology.event))
        let expected = scenario.expected
        let directory = temporaryStateDirectory()

        func configuration(group: String) -> PipelineConfiguration {
            var configuration = checkpointConfiguration(scenario.bootstrap, group: group, stateDirectory: directory)
            configuration.exactlyOnce = true
            return configuration
        }
        let first = try await scenario.runFirst(300, configuration(group: uniqueName("g")), alsoUntil: { $0.transactionsCommitted >= 1 })
        #expect(first.progress.checkpointOffsets.values.sorted() == [100, 100, 100])

        let second = try await scenario.startPipeline(configuration(group: uniqueName("other")))
        try await scenario.produceInput(300...)
        let perKey = try await readTopic(scenario.topology.perKey, bootstrap: scenario.bootstrap, count: expected.perKey.count, settle: .milliseconds(500))
        try await second.stop()

        #expect(second.progress.restoredTasks == 1)
        #expect(second.progress.transactionsCommitted >= 1)
        #expect(first.progress.recordsIn + second.progress.recordsIn == scenario.all.count)
        let actual = valuesByKey(perKey)
        #expect(perKey.count == expected.perKey.count)
        #expect(actual == expected.perKey)
    }

    @Test("A checkpoint of another topology stops start-up with a clear error instead of a silent cold start")
    func fingerprintMismatch() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let directory = temporaryStateDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "older-build")
        try store.save(Checkpoint(scope: "events.single", topologyFingerprint: "0123456789abcdef", id: 7, createdAtMillis: 0,
                                  inputOffsets: [InputOffset(topic: topology.input, partition: 0, nextOffset: 5)],
                                  operatorStates: [OperatorState(name: "engine", bytes: [1, 2, 3])]))

        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: checkpointConfiguration(cluster.bootstrapServers, group: uniqueName("g"), stateDirectory: directory))
        let error = await #expect(throws: CheckpointError.self) { try await pipeline.start() }
        #expect(error?.kind == .fingerprintMismatch)
        #expect(error?.description.contains("0123456789abcdef") == true)
        #expect(error?.description.contains("\n") == false)
    }
}
