import EddyEngine
import EddyKafka
import EddyMetrics
import EddyRuntime
import Foundation
import Testing

@Suite("KafkaPipeline on the embedded cluster")
struct KafkaPipelineTests {
    /// What the in-process test driver (no Kafka) emits for the same records, partitions and order.
    static func replay(_ topology: EventsTopology, _ records: [(partition: Int32, json: String)]) throws -> (perKey: [String: String], big: [String]) {
        try driverOutputs(sql: topology.sql, records)
    }

    @Test("Outputs on Kafka equal the test driver's for the same input, with the engine's keys")
    func matchesReplay() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let records = (0..<600).map(EventsTopology.event) + EventsTopology.sentinels()
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrapServers)
        let expected = try Self.replay(topology, records)
        #expect(expected.perKey.count == 30)  // 6 one-second windows × 5 keys

        let metrics = try PipelineMetrics()
        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g")),
                                         metrics: metrics)
        try await pipeline.start()
        let perKey = try await readTopic(topology.perKey, bootstrap: cluster.bootstrapServers, count: expected.perKey.count)
        let big = try await readTopic(topology.big, bootstrap: cluster.bootstrapServers, count: expected.big.count, settle: .milliseconds(300))
        #expect(try await eventually { pipeline.progress.storedOffsets.count == 3 })
        try await pipeline.stop()

        let actual = valuesByKey(perKey)
        #expect(actual == expected.perKey)
        #expect(big.map(\.text).sorted() == expected.big)
        #expect(pipeline.progress.recordsIn == records.count)
        #expect(pipeline.progress.errors == 0)
        #expect(metrics.snapshot().recordsIn == UInt64(records.count))
        #expect(metrics.snapshot().recordsOut == UInt64(perKey.count + big.count))
        // Per-partition health: records in, consumer lag (all read) and each partition's watermark delay.
        let exposition = metrics.registry.render()
        for partition in 0..<3 {
            #expect(exposition.contains("eddy_records_in_total{stream=\"EVENTS\",partition=\"\(partition)\"}"))
            #expect(exposition.contains("eddy_consumer_lag{stream=\"EVENTS\",partition=\"\(partition)\"} 0"), "\(exposition)")
            #expect(exposition.contains("eddy_partition_watermark_delay_seconds{stream=\"EVENTS\",partition=\"\(partition)\"}"))
        }
        #expect(metrics.snapshot().lastCommitSeconds > 0)
    }

    @Test("Undecodable records become error_stream rows on the dead-letter topic, with their reason and offset")
    func deadLetters() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let bad: [(partition: Int32, bytes: [UInt8])] = [
            (0, Array("not json".utf8)),
            (1, Array("{\"id\":\"seven\",\"k\":\"a\",\"v\":1,\"event_time\":1}".utf8)),
            (2, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]),
            (0, Array("{\"id\":1,\"k\":\"much-too-long\",\"v\":1,\"event_time\":1}".utf8)),
        ]
        let good = (0..<30).map(EventsTopology.event).map { ($0.partition, Array($0.json.utf8)) }
        try await produceBytes(bad + good, topic: topology.input, bootstrap: cluster.bootstrapServers)

        let pipeline = try KafkaPipeline(topology: topology.topology(),
                                         configuration: pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g")))
        try await pipeline.start()
        let dead = try await readTopic(topology.errors, bootstrap: cluster.bootstrapServers, count: bad.count, settle: .milliseconds(300))
        try await pipeline.stop()

        #expect(dead.count == bad.count)
        let rows = dead.map { jsonObject($0.value) }
        #expect(rows.allSatisfy { $0["TOPIC"] == topology.input && $0["SOURCE_STREAM"] == "EVENTS" }, "\(rows)")
        #expect(rows.allSatisfy { !($0["REASON"] ?? "").isEmpty }, "\(rows)")
        // Each bad record is identified by partition and offset (they are the first records of their partitions).
        #expect(Set(rows.map { "\($0["PARTITION"] ?? "")@\($0["OFFSET"] ?? "")" }) == ["0@0", "1@0", "2@0", "0@1"], "\(rows)")
        #expect(rows.contains { $0["DATA"] == "not json" && $0["DATA_ENCODING"] == "text" }, "\(rows)")
        #expect(rows.contains { $0["DATA_ENCODING"] == "base64" }, "\(rows)")
        #expect(pipeline.progress.errors == bad.count)
    }

    @Test("Stopped mid-stream and restarted in the same group: no output is missing")
    func atLeastOnceAcrossRestart() async throws {
        let scenario = try EventsScenario(events: (0..<900).map(EventsTopology.event))
        let (topology, bootstrap, all, expected) = (scenario.topology, scenario.bootstrap, scenario.all, scenario.expected)
        let group = uniqueName("g")

        try await scenario.produceInput(0..<400)
        let first = try await scenario.startPipeline(pipelineConfiguration(bootstrap, group: group))
        #expect(try await eventually { first.progress.recordsIn >= 400 && !first.progress.storedOffsets.isEmpty })
        // More input arrives while the first instance is stopped (it has open windows at that point).
        async let more: Void = scenario.produceInput(400..<700)
        try await first.stop()
        try await more
        let firstRun = first.progress

        let second = try await scenario.startPipeline(pipelineConfiguration(bootstrap, group: group))
        try await scenario.produceInput(700...)
        #expect(try await eventually { second.progress.storedOffsets.count == 3 && second.progress.recordsIn + firstRun.recordsIn >= all.count })

        let perKey = try await readTopic(topology.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .milliseconds(500))
        let big = try await readTopic(topology.big, bootstrap: bootstrap, count: expected.big.count, settle: .milliseconds(500))
        try await second.stop()

        // Every complete window row and every projected row is there at least once.
        let windowRows = Set(perKey.map { "\($0.keyText ?? "")=\($0.text)" })
        for (key, value) in expected.perKey { #expect(windowRows.contains("\(key)=\(value)"), "missing window \(key)") }
        let bigRows = Set(big.map(\.text))
        #expect(Set(expected.big).isSubset(of: bigRows))
        // Re-read records are bounded: the second run read again only what the first had not committed.
        let reread = firstRun.recordsIn + second.progress.recordsIn - all.count
        #expect(reread >= 0)
        #expect(reread < all.count / 2, "re-read \(reread) records")
    }

    @Test("Back pressure: with few undelivered outputs allowed the consumer pauses and resumes, and nothing is lost")
    func backPressure() async throws {
        let topology = EventsTopology()
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        let records = (0..<2_000).map(EventsTopology.event)
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrapServers)
        let expectedBig = try Self.replay(topology, records).big

        var configuration = pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g"))
        configuration.maxUndelivered = 20
        let pipeline = try KafkaPipeline(topology: topology.topology(), configuration: configuration)
        try await pipeline.start()
        let big = try await readTopic(topology.big, bootstrap: cluster.bootstrapServers, count: expectedBig.count, settle: .milliseconds(300))
        try await pipeline.stop()
        #expect(pipeline.progress.pauses > 0)
        #expect(!pipeline.progress.paused || pipeline.progress.rowsDelivered == pipeline.progress.rowsProduced)
        #expect(big.map(\.text).sorted() == expectedBig)
    }

    @Test("A rebalance within the group resumes partitions where this engine stopped: windows are neither lost nor double-counted")
    func rebalanceKeepsPositions() async throws {
        let scenario = try EventsScenario(events: (0..<900).map(EventsTopology.event))
        let (topology, bootstrap, expected) = (scenario.topology, scenario.bootstrap, scenario.expected)
        let group = uniqueName("g")

        try await scenario.produceInput(0..<450)
        let pipeline = try await scenario.startPipeline(pipelineConfiguration(bootstrap, group: group))
        #expect(try await eventually { pipeline.progress.recordsIn >= 450 })

        // Another member joins (taking some partitions away) and leaves again.
        let visitor = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("session.timeout.ms", "3000"), ("heartbeat.interval.ms", "300")]),
            groupID: group)
        try visitor.subscribe(topics: [topology.input])
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while try visitor.assignment().isEmpty && clock.now < deadline { _ = try await visitor.pollRecords(timeout: .milliseconds(100)) }
        #expect(try !visitor.assignment().isEmpty)
        try await visitor.close()
        #expect(try await eventually { pipeline.progress.assignedPartitions == 3 })

        try await scenario.produceInput(450...)
        let perKey = try await readTopic(topology.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .seconds(1))
        try await pipeline.stop()

        let actual = valuesByKey(perKey)
        #expect(perKey.count == expected.perKey.count)
        #expect(actual == expected.perKey)
        #expect(pipeline.progress.lateRows == 0)
    }
}
