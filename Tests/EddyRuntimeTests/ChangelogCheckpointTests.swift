import EddyEngine
import EddyKafka
@testable import EddyRuntime
import EddySQL
import EddyState
import Foundation
import Testing

/// `--changelog-topic` on the embedded cluster. It has no compaction and keeps ~5 MiB per
/// partition, which is room enough for this topology's few-KB snapshots; small chunks
/// (`changelogMessageBytes` 1024) make every snapshot span several messages.
@Suite("Checkpoints in a changelog topic on the embedded cluster")
struct ChangelogCheckpointTests {
    static let chunkBytes = 1024

    func changelogConfiguration(_ bootstrap: String, group: String, topic: String) -> PipelineConfiguration {
        var configuration = pipelineConfiguration(bootstrap, group: group)
        configuration.changelogTopic = topic
        configuration.changelogMessageBytes = Self.chunkBytes
        configuration.checkpointInterval = .milliseconds(300)
        configuration.commitInterval = .milliseconds(100)
        return configuration
    }

    @Test("A pipeline checkpoints to the topic in several chunks; a fresh group without a state directory restores from it, skipping a torn newer snapshot, and reads on from the checkpoint's offsets")
    func restoresFromTopicPastATornSnapshot() async throws {
        let changelog = uniqueName("changelog")
        let scenario = try EventsScenario(events: (0..<900).map(EventsTopology.event), extraTopics: [.init(name: changelog, partitions: 1)])
        let (topology, bootstrap) = (scenario.topology, scenario.bootstrap)
        let fingerprint = try Engine(topology: topology.topology()).stateFingerprint
        let kafka = KafkaConfiguration(bootstrapServers: bootstrap)

        let first = try await scenario.runFirst(450, changelogConfiguration(bootstrap, group: uniqueName("g"), topic: changelog))
        #expect(first.progress.checkpointOffsets.values.sorted() == [150, 150, 150])

        // The topic holds the shutdown checkpoint, complete, with every partition's next offset.
        let reader = try ChangelogCheckpointBackend(topic: changelog, kafka: kafka, maxMessageBytes: Self.chunkBytes)
        #expect(try reader.scopes() == ["events.single"])
        let complete = try #require(try reader.loadNewest(scope: "events.single", fingerprint: fingerprint).checkpoint)
        #expect(Set(complete.inputOffsets) == Set((0..<3).map { InputOffset(topic: topology.input, partition: Int32($0), nextOffset: 150) }))
        let chunks = try ChangelogChunker(maxMessageBytes: Self.chunkBytes).messages(for: complete)
        #expect(chunks.count > 1)
        #expect(chunks.allSatisfy { $0.key.count + ($0.value?.count ?? 0) <= Self.chunkBytes })

        // A newer snapshot whose last chunk never arrived (a writer killed mid-snapshot). Were it
        // used, the restart would read everything again from offset 0.
        var torn = complete
        torn.id = complete.id + 1
        torn.inputOffsets = complete.inputOffsets.map { InputOffset(topic: $0.topic, partition: $0.partition, nextOffset: 0) }
        let tornChunks = try ChangelogChunker(maxMessageBytes: Self.chunkBytes).messages(for: torn)
        let producer = try KafkaProducer(configuration: kafka)
        try KafkaChangelogTopic(producer: producer, topic: changelog).append(Array(tornChunks.dropLast()))
        _ = await producer.shutdown()
        let afterTear = try reader.loadNewest(scope: "events.single", fingerprint: fingerprint)
        #expect(afterTear.checkpoint == complete)
        #expect(afterTear.skipped.count == 1)

        // Another group, no state directory: only the topic says where to read.
        let second = try await scenario.resume(from: 450, changelogConfiguration(bootstrap, group: uniqueName("other"), topic: changelog))
        scenario.expectResumedExactly(second, after: first)

        // The second pipeline reused the torn snapshot's id; its complete rewrite replaced the torn
        // chunks, and its final snapshot is the newest: every record processed.
        let final = try #require(try reader.loadNewest(scope: "events.single", fingerprint: fingerprint).checkpoint)
        #expect(final.id > complete.id)
        #expect(Set(final.inputOffsets) == Set((0..<3).map { InputOffset(topic: topology.input, partition: Int32($0), nextOffset: 301) }))
    }

    @Test("A changelog snapshot of another topology stops start-up with a clear error")
    func fingerprintMismatch() async throws {
        let topology = EventsTopology()
        let changelog = uniqueName("changelog")
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics + [.init(name: changelog, partitions: 1)])
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let foreign = Checkpoint(scope: "events.single", topologyFingerprint: "another-topology", id: 1, createdAtMillis: 0,
                                 inputOffsets: [], operatorStates: [OperatorState(name: "engine", bytes: Array(repeating: 7, count: 3000))])
        let producer = try KafkaProducer(configuration: kafka)
        try KafkaChangelogTopic(producer: producer, topic: changelog).append(try ChangelogChunker(maxMessageBytes: Self.chunkBytes).messages(for: foreign))
        _ = await producer.shutdown()

        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: changelogConfiguration(cluster.bootstrapServers, group: uniqueName("g"), topic: changelog))
        let error = await #expect(throws: CheckpointError.self) { try await pipeline.start() }
        #expect(error?.kind == .fingerprintMismatch)
    }
}
