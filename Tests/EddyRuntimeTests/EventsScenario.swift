import EddyKafka
import EddyRuntime
import Testing

/// The set-up the restart, rebalance and checkpoint tests share: `EventsTopology` on a fresh
/// embedded cluster, the records of the whole run (sentinels last, so every window fires), and what
/// the in-process test driver emits for them, which is what the interrupted runs together must equal.
struct EventsScenario {
    let topology = EventsTopology()
    let cluster: EmbeddedCluster
    /// The run's records in production order, ending with `EventsTopology.sentinels()`.
    let all: [(partition: Int32, json: String)]
    /// The test driver's outputs for `all` (no Kafka, no interruption).
    let expected: (perKey: [String: String], big: [String])

    var bootstrap: String { cluster.bootstrapServers }

    /// `events` are the run's records before the sentinels; `extraTopics` are created next to the
    /// topology's own (a changelog topic, say).
    init(events: [(partition: Int32, json: String)], extraTopics: [EmbeddedCluster.Topic] = []) throws {
        cluster = try EmbeddedCluster(topics: topology.clusterTopics + extraTopics)
        all = events + EventsTopology.sentinels()
        expected = try KafkaPipelineTests.replay(topology, all)
    }

    /// Produces `all[range]` to the input topic.
    func produceInput(_ range: some RangeExpression<Int>) async throws {
        try await produce(Array(all[range]), topic: topology.input, bootstrap: bootstrap)
    }

    /// A started pipeline of this scenario's topology.
    func startPipeline(_ configuration: PipelineConfiguration) async throws -> KafkaPipeline {
        let pipeline = try KafkaPipeline(topology: topology.topology(), configuration: configuration)
        try await pipeline.start()
        return pipeline
    }

    /// Produces the first `count` records and runs a pipeline until it has read them (and `alsoUntil`
    /// holds), then stops it: the stop writes the checkpoint that the next run restores.
    func runFirst(
        _ count: Int, _ configuration: PipelineConfiguration, alsoUntil condition: (PipelineProgress) -> Bool = { _ in true },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> KafkaPipeline {
        try await produceInput(0..<count)
        let pipeline = try await startPipeline(configuration)
        #expect(try await eventually { pipeline.progress.recordsIn == count && condition(pipeline.progress) }, sourceLocation: sourceLocation)
        try await pipeline.stop()
        return pipeline
    }

    /// What a run that resumed after an earlier one emitted, read once it was done.
    struct ResumedRun {
        let pipeline: KafkaPipeline
        let perKey: [KafkaRecord]
        let big: [KafkaRecord]
        var progress: PipelineProgress { pipeline.progress }
    }

    /// Starts a pipeline, produces the records from `start` on, waits until it has read them, and
    /// collects both outputs (settling, to catch extra rows) before stopping it.
    func resume(
        from start: Int, _ configuration: PipelineConfiguration, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ResumedRun {
        let pipeline = try await startPipeline(configuration)
        try await produceInput(start...)
        #expect(try await eventually { pipeline.progress.recordsIn == all.count - start }, sourceLocation: sourceLocation)
        let perKey = try await readTopic(topology.perKey, bootstrap: bootstrap, count: expected.perKey.count, settle: .milliseconds(500))
        let big = try await readTopic(topology.big, bootstrap: bootstrap, count: expected.big.count, settle: .milliseconds(300))
        try await pipeline.stop()
        return ResumedRun(pipeline: pipeline, perKey: perKey, big: big)
    }

    /// The resumed run restored its one task, the two runs read every record exactly once between
    /// them, and every window and projected row was emitted exactly once with the uninterrupted value.
    func expectResumedExactly(_ second: ResumedRun, after first: KafkaPipeline, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(second.progress.restoredTasks == 1, sourceLocation: sourceLocation)
        #expect(first.progress.recordsIn + second.progress.recordsIn == all.count, sourceLocation: sourceLocation)
        #expect(second.perKey.count == expected.perKey.count, sourceLocation: sourceLocation)
        #expect(valuesByKey(second.perKey) == expected.perKey, sourceLocation: sourceLocation)
        #expect(second.big.map(\.text).sorted() == expected.big, sourceLocation: sourceLocation)
    }
}
