import EddyKafka
import EddyRuntime
import EddySQL
import Foundation
import Testing

@Suite("RepartitionStage on the embedded cluster")
struct RepartitionStageTests {
    /// `EventsTopology` groups by "k", so its source is repartitioned by k.
    static let repartitionTopic = "events.repartition.EVENTS"

    static func cluster(_ topology: EventsTopology) throws -> EmbeddedCluster {
        try EmbeddedCluster(topics: topology.clusterTopics + [.init(name: repartitionTopic, partitions: 3)])
    }

    static func stage(_ topology: EventsTopology, _ cluster: EmbeddedCluster, group: String) throws -> RepartitionStage {
        try RepartitionStage(topology: topology.topology(), source: "EVENTS",
                             configuration: pipelineConfiguration(cluster.bootstrapServers, group: group), log: { _ in })
    }

    static func upstream(_ record: KafkaRecord) -> UpstreamPosition? { UpstreamPosition(headers: record.headers) }

    @Test("The analysis names the stage's topic and key")
    func analysis() throws {
        let source = try EventsTopology().topology().distribution.sources[0]
        #expect(source.partitionColumnName == "k")
        #expect(source.needsRepartition)
        #expect(source.repartitionTopic == Self.repartitionTopic)
    }

    @Test("Only a bound source with a partition column can be repartitioned")
    func rejectsSourcesWithoutAPartitionColumn() throws {
        let configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), groupID: "g")
        #expect(throws: RepartitionError("\"PER_KEY\" is not a source stream of topology events")) {
            try RepartitionStage(topology: EventsTopology().topology(), source: "PER_KEY", configuration: configuration)
        }
        let stream = "CREATE STREAM O (a INTEGER, n BIGINT);"
        let unbound = try Analyzer.analyze(text: """
        CREATE STREAM S ("a" INTEGER, "t" BIGINT); \(stream)
        CREATE PUMP P AS INSERT INTO O SELECT STREAM "a", COUNT(*) FROM S GROUP BY "a", FLOOR(S.ROWTIME TO MINUTE);
        """, name: "u")
        #expect(throws: RepartitionError("source \"S\" is not bound to a topic, so there is nothing to repartition")) {
            try RepartitionStage(topology: unbound, source: "S", configuration: configuration)
        }
        let unkeyed = try Analyzer.analyze(text: """
        CREATE STREAM S ("a" INTEGER, "t" BIGINT) WITH ('topic' = 's'); \(stream)
        CREATE PUMP P AS INSERT INTO O SELECT STREAM "a", "t" FROM S;
        """, name: "k")
        #expect(throws: RepartitionError("source \"S\" has no partition column: no keyed pump needs one and no 'partition_key' declares one")) {
            try RepartitionStage(topology: unkeyed, source: "S", configuration: configuration)
        }
    }

    @Test("A missing repartition topic the cluster cannot create fails start() with the topic to create")
    func missingRepartitionTopic() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let stage = try Self.stage(topology, cluster, group: uniqueName("g"))
        do {
            try await stage.start()
            Issue.record("start() should fail")
            try await stage.stop()
        } catch let error as RepartitionError {
            #expect(error.message.hasPrefix("repartition topic \(Self.repartitionTopic) does not exist and could not be created ("), "\(error)")
            #expect(error.message.hasSuffix("create it with 3 partitions: eddy topics --create \(Self.repartitionTopic):3 (the embedded cluster of eddy broker and eddy demo creates topics only at start: eddy broker --topic \(Self.repartitionTopic):3)"), "\(error)")
        }
        try await stage.finished()
    }

    @Test("Records of one key share a repartition partition; values, timestamps and upstream positions are kept")
    func forwardsKeyedAndUnchanged() async throws {
        let topology = EventsTopology()
        let cluster = try Self.cluster(topology)
        let good: [(partition: Int32, bytes: [UInt8])] = (0..<300).map(EventsTopology.event).map { ($0.partition, Array($0.json.utf8)) }
        let odd: [(partition: Int32, bytes: [UInt8])] = [
            (0, Array("not json".utf8)),
            (1, Array("{\"id\":1,\"v\":1,\"event_time\":1}".utf8)),           // no k: undecodable
            (2, Array("{\"id\":2,\"k\":null,\"v\":1,\"event_time\":2}".utf8)), // NULL k: key 0x00
        ]
        try await produceBytes(good + odd, topic: topology.input, bootstrap: cluster.bootstrapServers)
        let total = good.count + odd.count
        let sourceRecords = try await readTopic(topology.input, bootstrap: cluster.bootstrapServers, count: total)
        #expect(sourceRecords.count == total)

        let stage = try Self.stage(topology, cluster, group: uniqueName("g"))
        try await stage.start()
        let forwarded = try await readTopic(Self.repartitionTopic, bootstrap: cluster.bootstrapServers, count: total, settle: .milliseconds(200))
        #expect(try await eventually { stage.progress.storedOffsets.count == 3 })
        try await stage.stop()

        #expect(forwarded.count == total)
        #expect(stage.progress.forwarded == total)
        #expect(stage.progress.undecodable == 2)
        #expect(stage.progress.storedOffsets == ["\(topology.input)[0]": 101, "\(topology.input)[1]": 101, "\(topology.input)[2]": 101])
        let bySource = Dictionary(uniqueKeysWithValues: sourceRecords.map { (UpstreamPosition(partition: $0.partition, offset: $0.offset), $0) })
        var partitionsByKey: [[UInt8]: Set<Int32>] = [:]
        var seen = Set<UpstreamPosition>()
        for record in forwarded {
            let position = try #require(Self.upstream(record), "headers \(record.headers)")
            #expect(seen.insert(position).inserted)
            let original = try #require(bySource[position])
            #expect(record.value == original.value)
            #expect(record.timestampMillis == original.timestampMillis)
            if let key = record.key { partitionsByKey[key, default: []].insert(record.partition) }
        }
        #expect(seen.count == total)
        // k0...k4 plus NULL, each in exactly one partition.
        #expect(Set(partitionsByKey.keys) == Set((0..<5).map { Array("k\($0)".utf8) } + [[0]]))
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 }, "\(partitionsByKey)")
        // The keys spread over more than one partition (so the check above means something).
        #expect(Set(partitionsByKey.values.flatMap { $0 }).count > 1)
        #expect(forwarded.filter { $0.key == nil }.map(\.value).sorted { $0.lexicographicallyPrecedes($1) }
                == [odd[0].bytes, odd[1].bytes].sorted { $0.lexicographicallyPrecedes($1) })

        // Offsets were committed only after delivery: a restart in the same group forwards only new records.
        let again = try Self.stage(topology, cluster, group: stage.groupID.replacingOccurrences(of: ".repartition", with: ""))
        #expect(again.groupID == stage.groupID)
        try await again.start()
        try await produce((300..<310).map(EventsTopology.event), topic: topology.input, bootstrap: cluster.bootstrapServers)
        let afterRestart = try await readTopic(Self.repartitionTopic, bootstrap: cluster.bootstrapServers, count: total + 10, settle: .milliseconds(500))
        try await again.stop()
        #expect(afterRestart.count == total + 10)
        #expect(again.progress.forwarded == 10)
    }

    @Test("A crash-style replay writes duplicates that UpstreamDeduplicator removes exactly")
    func replayIsDeduplicated() async throws {
        let topology = EventsTopology()
        let cluster = try Self.cluster(topology)
        let first = (0..<150).map(EventsTopology.event)
        try await produce(first, topic: topology.input, bootstrap: cluster.bootstrapServers)
        let before = try Self.stage(topology, cluster, group: uniqueName("g"))
        try await before.start()
        #expect(try await eventually { before.progress.storedOffsets.values.reduce(0, +) == 150 })
        try await before.stop()

        // The "restarted" stage has lost its commits: it forwards everything again from offset 0.
        try await produce((150..<300).map(EventsTopology.event), topic: topology.input, bootstrap: cluster.bootstrapServers)
        let replaying = try Self.stage(topology, cluster, group: uniqueName("g"))
        try await replaying.start()
        let written = try await readTopic(Self.repartitionTopic, bootstrap: cluster.bootstrapServers, count: 450, settle: .milliseconds(300))
        try await replaying.stop()
        #expect(written.count == 450)

        // A downstream task reads each repartition partition in order; it checkpoints half-way and
        // restores into a fresh deduplicator, as after its own restart.
        let ordered = written.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        var dedup = UpstreamDeduplicator()
        var admitted: [UpstreamPosition] = []
        for (index, record) in ordered.enumerated() {
            if index == ordered.count / 2 {
                var restored = UpstreamDeduplicator()
                try restored.restore(from: dedup.snapshot())
                dedup = restored
            }
            let position = try #require(Self.upstream(record))
            if dedup.admit(record) { admitted.append(position) }
        }
        #expect(admitted.count == 300)
        #expect(ordered.count - admitted.count == 150)
        #expect(Set(admitted) == Set((0..<3).flatMap { p in (0..<100).map { UpstreamPosition(partition: Int32(p), offset: Int64($0)) } }))
    }
}
