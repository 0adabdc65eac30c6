import EddyEngine
import EddyKafka
import EddyRuntime
import EddySQL
import Foundation
import Testing

@Suite("Scale-out through a repartition topic")
struct RepartitionScaleOutTests {
    /// Far-future rows under several keys, so every repartition partition gets one and every
    /// task's watermark passes the test windows.
    static let sentinelKeys = (0..<12).map { "end\($0)" }
    static func sentinels(partitions: Int) -> [(partition: Int32, json: String)] {
        sentinelKeys.enumerated().map { index, key in
            (Int32(index % partitions), "{\"id\":-1,\"k\":\"\(key)\",\"v\":0,\"event_time\":\(EventsTopology.base + 3_600_000)}")
        }
    }

    /// With `'lateness' = '0 SECONDS'`: the stage must forward in event-time order across the source
    /// partitions, or rows of one source partition would fall behind another's in a repartition
    /// partition and be late.
    @Test("Two pipelines reading the repartition topic emit exactly the per-key windows of one in-process run", arguments: [1, 3])
    func twoInstancesEqualOneRun(sourcePartitions: Int) async throws {
        let events = EventsTopology()
        let topology = try events.topology()
        let repartitionTopic = try #require(topology.distribution.sources[0].repartitionTopic)
        let topics = events.clusterTopics.map { $0.name == events.input ? .init(name: events.input, partitions: sourcePartitions) : $0 }
        let cluster = try EmbeddedCluster(topics: topics + [.init(name: repartitionTopic, partitions: 3)])
        let records = (0..<600).map { (partition: Int32($0 % sourcePartitions), json: EventsTopology.event($0).json) }
            + Self.sentinels(partitions: sourcePartitions)
        try await produce(records, topic: events.input, bootstrap: cluster.bootstrapServers)

        // The reference: one engine over the source as it is.
        let expected = try driverOutputs(sql: events.sql, records).perKey
        #expect(expected.count == 30)  // 6 one-second windows × 5 keys

        // Two instances in one group split the repartition topic; the stage feeds it.
        let tasks = topology.readingRepartitionTopics()
        let group = uniqueName("g")
        let first = try KafkaPipeline(topology: tasks, configuration: pipelineConfiguration(cluster.bootstrapServers, group: group), log: { _ in })
        let second = try KafkaPipeline(topology: tasks, configuration: pipelineConfiguration(cluster.bootstrapServers, group: group), log: { _ in })
        #expect(first.sourceTopics == [repartitionTopic])
        try await first.start()
        try await second.start()
        #expect(try await eventually {
            let (a, b) = (first.progress.assignedPartitions, second.progress.assignedPartitions)
            return a > 0 && b > 0 && a + b == 3
        })
        // A generous idle wait: every source partition is fetched before any is given up on, however
        // slow the machine (the data is all there, so no partition is waited for at the end).
        let stage = try RepartitionStage(topology: topology, source: "EVENTS",
                                         configuration: pipelineConfiguration(cluster.bootstrapServers, group: group),
                                         idleWait: .seconds(5), log: { _ in })
        try await stage.start()

        let outputs = try await readTopic(events.perKey, bootstrap: cluster.bootstrapServers, count: expected.count, settle: .milliseconds(500))
        try await stage.stop()
        try await first.stop()
        try await second.stop()

        // Every repartition partition carried a sentinel (else a task's windows could not fire).
        let forwarded = try await readTopic(repartitionTopic, bootstrap: cluster.bootstrapServers, count: records.count)
        let sentinelPartitions = Set(forwarded.filter { ($0.key.map { String(decoding: $0, as: UTF8.self) } ?? "").hasPrefix("end") }.map(\.partition))
        #expect(sentinelPartitions == [0, 1, 2])

        let actual = valuesByKey(outputs)
        #expect(actual == expected)
        #expect(outputs.count == expected.count)
        #expect(first.progress.recordsIn > 0 && second.progress.recordsIn > 0)
        #expect(first.progress.recordsIn + second.progress.recordsIn == records.count)
        #expect(first.progress.lateRows + second.progress.lateRows == 0)
    }
}
