import EddyEngine
import EddyKafka
import EddyRuntime
import EddySQL
import EddyState
import Foundation
import Testing

@Suite("ScaledPipeline: repartitioning wired into the per-partition run")
struct ScaledPipelineTests {
    /// `EventsTopology` with ten minutes of lateness: two stages (one per instance) interleave their
    /// source partitions in each repartition partition, so event time there is only roughly ordered.
    static func sql(_ events: EventsTopology) -> String {
        events.sql.replacingOccurrences(of: "'lateness' = '0 SECONDS'", with: "'lateness' = '10 MINUTES'")
    }

    static func configuration(_ bootstrap: String, group: String, directory: String, instance: String) -> PipelineConfiguration {
        var configuration = checkpointConfiguration(bootstrap, group: group, stateDirectory: directory, layout: .perPartition)
        configuration.instanceID = instance
        return configuration
    }

    /// The set-up both scale-out tests share: the lenient topology, a cluster with `events`' topics
    /// and the repartition topic (3 partitions), and the per-key windows one in-process engine
    /// emits for `records`.
    static func setUp(_ events: EventsTopology, _ records: [(partition: Int32, json: String)]) throws
        -> (topology: Topology, repartitionTopic: String, cluster: EmbeddedCluster, expected: [String: String]) {
        let topology = try Analyzer.analyze(text: sql(events), name: "events")
        let repartitionTopic = try #require(topology.distribution.sources[0].repartitionTopic)
        let cluster = try EmbeddedCluster(topics: events.clusterTopics + [.init(name: repartitionTopic, partitions: 3)])
        return (topology, repartitionTopic, cluster, try driverOutputs(sql: sql(events), records).perKey)
    }

    @Test("Two instances, each with its own stage, emit the per-key windows of one in-process run and skip replayed duplicates")
    func twoInstancesEqualOneRun() async throws {
        let events = EventsTopology()
        // The producer keys by id % 3 (its partition), not by the grouping column k.
        let records = (0..<600).map(EventsTopology.event)
        let sentinels = RepartitionScaleOutTests.sentinels(partitions: 3)
        let (topology, repartitionTopic, cluster, expected) = try Self.setUp(events, records + sentinels)
        #expect(expected.count == 30)  // 6 one-second windows × 5 keys

        let group = uniqueName("g")
        let directory = temporaryStateDirectory()
        let first = try ScaledPipeline(topology: topology, configuration: Self.configuration(cluster.bootstrapServers, group: group, directory: directory, instance: "a"), log: { _ in })
        let second = try ScaledPipeline(topology: topology, configuration: Self.configuration(cluster.bootstrapServers, group: group, directory: directory, instance: "b"), log: { _ in })
        #expect(first.stages.map(\.repartitionTopic) == [repartitionTopic])
        #expect(first.pipeline.sourceTopics == [repartitionTopic])
        try await first.start()
        try await second.start()
        #expect(try await eventually {
            let (a, b) = (first.progress.assignedPartitions, second.progress.assignedPartitions)
            return a > 0 && b > 0 && a + b == 3
        })

        try await produce(records, topic: events.input, bootstrap: cluster.bootstrapServers)
        #expect(try await eventually { first.progress.recordsIn + second.progress.recordsIn == records.count })

        // What a restarted stage does after a crash: write again, with the same upstream positions,
        // records it had already written. The tasks must skip every one.
        let written = try await readTopic(repartitionTopic, bootstrap: cluster.bootstrapServers, count: records.count)
        let replayed = written.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let sent = try await producer.send(batch: replayed.map {
            ProducerRecord(topic: repartitionTopic, partition: $0.partition, key: $0.key, value: $0.value, headers: $0.headers, timestampMillis: $0.timestampMillis)
        })
        _ = await producer.shutdown()
        #expect(sent.succeeded)
        // A stage whose partitions moved to the other instance's stage before its commit reached the
        // (embedded) cluster forwards them again: genuine replays, which the tasks skip as well.
        let forwarded = { first.stages[0].progress.forwarded + second.stages[0].progress.forwarded }
        let skipped = { first.progress.duplicatesSkipped + second.progress.duplicatesSkipped }
        #expect(try await eventually { skipped() == replayed.count + forwarded() - records.count })

        try await produce(sentinels, topic: events.input, bootstrap: cluster.bootstrapServers)
        let outputs = try await readTopic(events.perKey, bootstrap: cluster.bootstrapServers, count: expected.count, settle: .milliseconds(500))
        #expect(try await eventually { skipped() == replayed.count + forwarded() - records.count - sentinels.count })
        try await first.stop()
        try await second.stop()

        let actual = valuesByKey(outputs)
        #expect(actual == expected)
        #expect(outputs.count == expected.count)
        #expect(first.progress.recordsIn > 0 && second.progress.recordsIn > 0)
        #expect(first.progress.recordsIn + second.progress.recordsIn == records.count + sentinels.count)
        #expect(first.progress.lateRows + second.progress.lateRows == 0)
        #expect(forwarded() >= records.count + sentinels.count)

        // Every task's checkpoint holds its deduplicator next to the engine, under the fingerprint
        // of the topology the tasks run (reading the repartition topic).
        let fingerprint = try Engine(topology: topology.readingRepartitionTopics()).stateFingerprint
        let store = try DirectoryCheckpointStore(directory: directory)
        let scopes = try store.scopes().filter { $0.hasPrefix("events.task-") }.sorted()
        #expect(scopes == ["events.task-0", "events.task-1", "events.task-2"])
        var lanes = 0
        for scope in scopes {
            let checkpoint = try #require(try store.loadNewest(scope: scope, fingerprint: fingerprint).checkpoint)
            #expect(checkpoint.state(named: "engine") != nil)
            var deduplicator = UpstreamDeduplicator()
            try deduplicator.restore(from: try #require(checkpoint.state(named: "dedup.EVENTS")))
            lanes += deduplicator.laneCount
        }
        // Each upstream partition reached each repartition partition (5 keys plus sentinels spread over 3).
        #expect(lanes == 9)
    }

    @Test("A restarted instance restores its tasks' deduplicators with their engines and still skips replays")
    func restartRestoresDeduplicators() async throws {
        let events = EventsTopology()
        let records = (0..<300).map(EventsTopology.event)
        let sentinels = RepartitionScaleOutTests.sentinels(partitions: 3)
        let (topology, repartitionTopic, cluster, expected) = try Self.setUp(events, records + sentinels)

        let group = uniqueName("g")
        let directory = temporaryStateDirectory()
        let configuration = Self.configuration(cluster.bootstrapServers, group: group, directory: directory, instance: "a")
        let before = try ScaledPipeline(topology: topology, configuration: configuration, log: { _ in })
        try await before.start()
        try await produce(records, topic: events.input, bootstrap: cluster.bootstrapServers)
        #expect(try await eventually { before.progress.recordsIn == records.count })
        try await before.stop()
        #expect(before.progress.checkpointsWritten > 0)

        // Replays written while no instance runs: only restored upstream positions can tell them apart.
        let written = try await readTopic(repartitionTopic, bootstrap: cluster.bootstrapServers, count: records.count)
        let replayed = written.filter { $0.offset % 4 == 0 }
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        #expect(try await producer.send(batch: replayed.map {
            ProducerRecord(topic: repartitionTopic, partition: $0.partition, key: $0.key, value: $0.value, headers: $0.headers, timestampMillis: $0.timestampMillis)
        }).succeeded)
        _ = await producer.shutdown()

        let after = try ScaledPipeline(topology: topology, configuration: configuration, log: { _ in })
        try await after.start()
        #expect(try await eventually { after.progress.duplicatesSkipped == replayed.count + after.stages[0].progress.forwarded })
        #expect(after.progress.restoredTasks == 3)
        try await produce(sentinels, topic: events.input, bootstrap: cluster.bootstrapServers)
        let outputs = try await readTopic(events.perKey, bootstrap: cluster.bootstrapServers, count: expected.count, settle: .milliseconds(500))
        try await after.stop()

        let actual = valuesByKey(outputs)
        #expect(actual == expected)
        #expect(outputs.count == expected.count)
        #expect(after.progress.recordsIn == sentinels.count)
        #expect(after.progress.lateRows == 0)
    }

    @Test("With one task per instance no stage runs and the pipeline reads the source itself")
    func singleLayoutReadsTheSource() throws {
        let events = EventsTopology()
        var configuration = pipelineConfiguration("127.0.0.1:1", group: "g")
        configuration.taskLayout = .single
        let scaled = try ScaledPipeline(topology: try events.topology(), configuration: configuration, log: { _ in })
        #expect(scaled.stages.isEmpty)
        #expect(scaled.pipeline.sourceTopics == [events.input])
    }
}
