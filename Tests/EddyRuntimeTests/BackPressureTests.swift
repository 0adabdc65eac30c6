import EddyKafka
import EddyRuntime
import Foundation
import Testing

@Suite("KafkaPipeline back pressure with a slow sink")
struct BackPressureTests {
    /// `KafkaConsumer`'s default largest poll batch: the back-pressure check runs between polls, so
    /// one batch's outputs may land on top of the limit before the consumer pauses.
    static let pollBatch = 4096

    @Test("The output topics' broker answers after 300 ms: pending outputs stay bounded, the consumer pauses, nothing is lost")
    func slowSink() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let topology = EventsTopology()
        // Broker 1 serves the input and the group; broker 2 leads every output partition and is slow.
        let cluster = try OutageCluster(brokers: 2, topics: topology.clusterTopics)
        let group = uniqueName("g")
        for topic in topology.clusterTopics { cluster.lead(topic, by: topic.name == topology.input ? 1 : 2) }
        cluster.coordinate(group: group, by: 1)
        let records = (0..<10_000).map(EventsTopology.event) + EventsTopology.sentinels()
        try await produce(records, topic: topology.input, bootstrap: cluster.bootstrap)
        let expected = try KafkaPipelineTests.replay(topology, records)
        cluster.setRoundTrip(broker: 2, milliseconds: 300)

        var configuration = pipelineConfiguration(cluster.bootstrap, group: group)
        configuration.maxUndelivered = 1_000
        configuration.commitInterval = .milliseconds(20)  // progress (and so the samples below) refresh this often
        let pipeline = try KafkaPipeline(topology: topology.topology(), configuration: configuration, log: { _ in })
        try await pipeline.start()

        // Sample the producer's undelivered outputs while the pipeline works through the input.
        var maxPending: UInt64 = 0
        var pausedSamples = 0
        let deadline = clock.now + .seconds(60)
        while clock.now < deadline {
            let progress = pipeline.progress
            maxPending = max(maxPending, progress.rowsProduced - progress.rowsDelivered)
            if progress.paused { pausedSamples += 1 }
            if progress.recordsIn == records.count && progress.rowsDelivered == progress.rowsProduced && progress.storedOffsets.count == 3 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let drainedAfter = clock.now - began
        let perKey = try await readTopic(topology.perKey, bootstrap: cluster.bootstrap, count: expected.perKey.count, settle: .milliseconds(300))
        let big = try await readTopic(topology.big, bootstrap: cluster.bootstrap, count: expected.big.count, settle: .milliseconds(300))
        try await pipeline.stop()
        let final = pipeline.progress

        // The sink is really slow: the consumer paused while outputs drained.
        #expect(final.pauses > 0)
        #expect(pausedSamples > 0)
        // Memory bounded: the limit plus at most one poll batch's outputs (one BIG row per record at most,
        // plus the window rows the batch's watermark fires: 5 keys per second of event time).
        let allowance = UInt64(Self.pollBatch + 5 * (Self.pollBatch / 100 + 2))
        #expect(maxPending > configuration.maxUndelivered / 2, "the limit was reached: \(maxPending)")
        #expect(maxPending <= configuration.maxUndelivered + allowance, "\(maxPending) outputs awaited delivery at once")
        // Nothing lost, nothing doubled.
        #expect(final.recordsIn == records.count)
        #expect(final.rowsDelivered == final.rowsProduced)
        #expect(big.map(\.text).sorted() == expected.big)
        var windows: [String: String] = [:]
        for record in perKey { windows[record.keyText ?? ""] = record.text }
        #expect(perKey.count == expected.perKey.count)
        #expect(windows == expected.perKey)
        print("back pressure: \(records.count) records, \(final.rowsProduced) outputs through a 300 ms sink in \(drainedAfter); " +
              "\(final.pauses) pauses, at most \(maxPending) undelivered (limit \(configuration.maxUndelivered))")
        #expect(clock.now - began < .seconds(60))
    }
}
