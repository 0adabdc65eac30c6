import EddyEngine
import EddyKafka
import EddyRuntime
import EddySQL
import Foundation
import Testing

/// A topology with a global tumbling pump (COUNT, SUM, APPROX_COUNT_DISTINCT, MIN, MAX, AVG over the
/// whole stream per second), a pump reading only its rows (so it runs in the combiner), and a per-key
/// pump keyed by the declared partition key (partition-local). Topics are named per test.
struct CombineTopology {
    let input = uniqueName("events")
    let perKey = uniqueName("per-key")
    let totals = uniqueName("totals")
    let busy = uniqueName("busy")
    let errors = uniqueName("dead-letter")
    let late = uniqueName("late")
    /// `'idle_timeout'` of the source, if any.
    var idleTimeout: String?
    static let name = "comb"
    static let partialsTopic = "comb.partials"

    var sql: String {
        """
        CREATE OR REPLACE STREAM "EVENTS" ("id" BIGINT, "k" VARCHAR(8), "v" INTEGER, "event_time" BIGINT)
        WITH ('topic' = '\(input)', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '0 SECONDS',
              'partition_key' = 'k'\(idleTimeout.map { ", 'idle_timeout' = '\($0)'" } ?? ""));
        CREATE OR REPLACE STREAM "PER_KEY" (k VARCHAR(8), window_start TIMESTAMP, total BIGINT, n BIGINT);
        CREATE OR REPLACE PUMP "PER_KEY_PUMP" AS INSERT INTO "PER_KEY"
            SELECT STREAM "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND), SUM(CAST("v" AS BIGINT)), COUNT(*)
            FROM "EVENTS" AS e GROUP BY "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        CREATE OR REPLACE STREAM "TOTALS" (window_start TIMESTAMP, n BIGINT, total BIGINT, distinct_ids BIGINT,
                                           lowest INTEGER, highest INTEGER, mean DOUBLE);
        CREATE OR REPLACE PUMP "TOTALS_PUMP" AS INSERT INTO "TOTALS"
            SELECT STREAM STEP(e.ROWTIME BY INTERVAL '1' SECOND), COUNT(*), SUM(CAST("v" AS BIGINT)), APPROX_COUNT_DISTINCT("id"),
                          MIN("v"), MAX("v"), AVG(CAST("v" AS DOUBLE))
            FROM "EVENTS" AS e GROUP BY STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        CREATE OR REPLACE STREAM "BUSY" (window_start TIMESTAMP, n BIGINT);
        CREATE OR REPLACE PUMP "BUSY_PUMP" AS INSERT INTO "BUSY"
            SELECT STREAM window_start, n FROM "TOTALS" WHERE n > 60;
        ALTER STREAM "PER_KEY" SET ('topic' = '\(perKey)');
        ALTER STREAM "TOTALS" SET ('topic' = '\(totals)');
        ALTER STREAM "BUSY" SET ('topic' = '\(busy)');
        ALTER STREAM "error_stream" SET ('topic' = '\(errors)');
        ALTER STREAM "late_stream" SET ('topic' = '\(late)');
        """
    }

    func topology() throws -> Topology { try Analyzer.analyze(text: sql, name: Self.name) }

    var clusterTopics: [EmbeddedCluster.Topic] {
        [.init(name: input, partitions: 3), .init(name: perKey, partitions: 2), .init(name: totals, partitions: 2),
         .init(name: busy, partitions: 1), .init(name: errors, partitions: 1), .init(name: late, partitions: 1),
         .init(name: Self.partialsTopic, partitions: 1)]
    }

    static let base: Int64 = 1_764_000_000_000

    /// Record `id`: key k0...k5 on partition (key index % 3), so keys are partition-local; values 0...99;
    /// event times 10 ms apart (100 per one-second window).
    static func event(_ id: Int) -> (partition: Int32, json: String) {
        (Int32(id % 6 % 3), "{\"id\":\(id),\"k\":\"k\(id % 6)\",\"v\":\(id * 37 % 100),\"event_time\":\(base + Int64(id) * 10)}")
    }

    /// One record per partition far ahead in event time: every window of the test records fires in every task.
    static func sentinels(partitions: [Int32] = [0, 1, 2]) -> [(partition: Int32, json: String)] {
        partitions.map { ($0, "{\"id\":-1,\"k\":\"k\($0)\",\"v\":0,\"event_time\":\(base + 3_600_000)}") }
    }

    /// What one engine produces: key → value for the windowed streams, the sorted values of BUSY (a
    /// projection: its rows have no key).
    typealias Expected = (perKey: [String: String], totals: [String: String], busy: [String])

    /// The rows one engine produces for `records`.
    func expected(_ records: [(partition: Int32, json: String)]) throws -> Expected {
        let driver = try TopologyTestDriver(sql: sql, name: Self.name)
        for record in records { driver.pipe("EVENTS", record.json, partition: record.partition) }
        func keyed(_ stream: String) -> [String: String] {
            var rows: [String: String] = [:]
            for row in driver.readKeyed(stream) { rows[row.key ?? ""] = row.value }
            return rows
        }
        return (keyed("PER_KEY"), keyed("TOTALS"), driver.read("BUSY").sorted())
    }

    func configuration(_ bootstrap: String, group: String, directory: String, instance: String) -> PipelineConfiguration {
        var configuration = checkpointConfiguration(bootstrap, group: group, stateDirectory: directory, layout: .perPartition)
        configuration.instanceID = instance
        return configuration
    }

    /// One instance (`instance`) of the topology on `cluster`: a fresh group and state directory unless given.
    func pipeline(_ cluster: EmbeddedCluster, group: String = uniqueName("g"), directory: String = temporaryStateDirectory(),
                  instance: String = "a", log: @escaping @Sendable (String) -> Void = { _ in }) throws -> ScaledPipeline {
        try ScaledPipeline(topology: try topology(), configuration: configuration(cluster.bootstrapServers, group: group, directory: directory, instance: instance), log: log)
    }

    /// Starts one instance, produces `records`, and returns the TOTALS rows once `count` arrived (then stops it).
    func totalsOfOneInstance(_ cluster: EmbeddedCluster, producing records: [(partition: Int32, json: String)], count: Int) async throws -> [KafkaRecord] {
        let running = try pipeline(cluster)
        try await running.start()
        try await produce(records, topic: input, bootstrap: cluster.bootstrapServers)
        let rows = try await readTopic(totals, bootstrap: cluster.bootstrapServers, count: count, timeout: .seconds(20))
        try await running.stop()
        return rows
    }

    /// Most tests' set-up: a fresh topology on its own embedded cluster, the standard stream (ids
    /// 0...599, six one-second windows) with a sentinel per partition, and one engine's rows for them.
    static func standardCase() throws -> (topology: CombineTopology, cluster: EmbeddedCluster, records: [(partition: Int32, json: String)],
                                          sentinels: [(partition: Int32, json: String)], expected: Expected) {
        let topology = CombineTopology()
        let records = (0..<600).map(event), sentinels = sentinels()
        return (topology, try EmbeddedCluster(topics: topology.clusterTopics), records, sentinels, try topology.expected(records + sentinels))
    }

    /// Produces `records` to the source topic on `cluster`.
    func feed(_ records: [(partition: Int32, json: String)], to cluster: EmbeddedCluster) async throws {
        try await produce(records, topic: input, bootstrap: cluster.bootstrapServers)
    }

    /// The TOTALS rows once `count` arrived, read half a second longer to catch repeats.
    func totals(on cluster: EmbeddedCluster, count: Int) async throws -> [KafkaRecord] {
        try await readTopic(totals, bootstrap: cluster.bootstrapServers, count: count, settle: .milliseconds(500))
    }
}

/// The combined TOTALS rows are one engine's (`expected`): every key with its value, none twice.
func expectOneEngine(_ totals: [KafkaRecord], _ expected: [String: String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(valuesByKey(totals) == expected, sourceLocation: sourceLocation)
    #expect(totals.count == expected.count, "\(totals.count - expected.count) repeated rows", sourceLocation: sourceLocation)
}

@Suite("Combining global aggregates across per-partition tasks through <topology>.partials")
struct CombinerTests {
    @Test("Two instances with a task per partition produce exactly one task's rows, the global ones combined")
    func twoInstancesEqualOneTask() async throws {
        let (topology, cluster, records, sentinels, expected) = try CombineTopology.standardCase()
        #expect(expected.totals.count == 6)
        #expect(expected.perKey.count == 36)
        #expect(expected.busy.count == 6)

        let group = uniqueName("g")
        let directory = temporaryStateDirectory()
        let first = try topology.pipeline(cluster, group: group, directory: directory, instance: "a")
        let second = try topology.pipeline(cluster, group: group, directory: directory, instance: "b")
        let combiners = [try #require(first.combiner), try #require(second.combiner)]
        #expect(combiners[0].plan.combinedPumps == ["TOTALS_PUMP"])
        #expect(combiners[0].plan.combinerPumps == ["BUSY_PUMP"])
        #expect(combiners[0].partialsTopic == CombineTopology.partialsTopic)
        #expect(first.stages.isEmpty)
        try await first.start()
        try await second.start()
        #expect(try await eventually {
            let (a, b) = (first.progress.assignedPartitions, second.progress.assignedPartitions)
            return a > 0 && b > 0 && a + b == 3 && combiners.filter(\.progress.owned).count == 1
        })
        #expect(combiners.allSatisfy { $0.taskCount == 3 })

        try await topology.feed(records + sentinels, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        let busy = try await readTopic(topology.busy, bootstrap: cluster.bootstrapServers, count: expected.busy.count)
        let perKey = try await readTopic(topology.perKey, bootstrap: cluster.bootstrapServers, count: expected.perKey.count)
        try await first.stop()
        try await second.stop()

        expectOneEngine(totals, expected.totals)
        #expect(busy.map(\.text).sorted() == expected.busy)
        #expect(valuesByKey(perKey) == expected.perKey)
        #expect(first.progress.recordsIn > 0 && second.progress.recordsIn > 0)
        #expect(first.progress.lateRows + second.progress.lateRows == 0)
        let progress = combiners.map(\.progress)
        #expect(progress.map(\.rejected).reduce(0, +) == 0)
        // Each task published one partial per window it had rows in: 6 windows × 3 tasks.
        #expect(progress.map(\.partials).reduce(0, +) == 18)
    }

    @Test("When the instance running the combiner stops, the other takes over its tasks and the combiner with their state")
    func combinerFailsOver() async throws {
        let (topology, cluster, records, sentinels, expected) = try CombineTopology.standardCase()
        let group = uniqueName("g")
        let directory = temporaryStateDirectory()
        let lines = LogLines()
        let instances = try ["a", "b"].map { name in
            try topology.pipeline(cluster, group: group, directory: directory, instance: name, log: { lines.write($0) })
        }
        for instance in instances { try await instance.start() }
        #expect(try await eventually {
            instances.allSatisfy { $0.progress.assignedPartitions > 0 } && instances.map(\.progress.assignedPartitions).reduce(0, +) == 3
                && instances.filter { $0.combiner?.progress.owned == true }.count == 1
        })
        try await topology.feed(Array(records[0..<350]), to: cluster)
        let owner = try #require(instances.first { $0.combiner?.progress.owned == true })
        let survivor = try #require(instances.first { $0 !== owner })
        #expect(try await eventually { owner.combiner?.progress.partials == 9 })
        try await owner.stop()
        #expect(try await eventually { survivor.progress.assignedPartitions == 3 && survivor.combiner?.progress.owned == true })

        try await topology.feed(Array(records[350...]) + sentinels, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        let perKey = try await readTopic(topology.perKey, bootstrap: cluster.bootstrapServers, count: expected.perKey.count)
        try await survivor.stop()
        #expect(lines.all.contains { $0.contains("restored the combiner of comb from checkpoint") }, "\(lines.all)")
        expectOneEngine(totals, expected.totals)
        #expect(valuesByKey(perKey) == expected.perKey)
    }

    @Test("A partition without records goes idle after the source's idle_timeout and does not hold combined windows back")
    func emptyPartitionDoesNotBlock() async throws {
        var topology = CombineTopology()
        topology.idleTimeout = "1 SECONDS"
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        // Partition 2 gets nothing.
        let records = (0..<600).map(CombineTopology.event).filter { $0.partition != 2 }
        let sentinels = CombineTopology.sentinels(partitions: [0, 1])
        let expected = try topology.expected(records + sentinels)
        #expect(expected.totals.count == 6)

        let totals = try await topology.totalsOfOneInstance(cluster, producing: records + sentinels, count: expected.totals.count)
        expectOneEngine(totals, expected.totals)
    }

    @Test("A partition that falls silent publishes its open windows when it turns idle: the combined windows fired past it still hold its rows")
    func silentPartitionKeepsItsRows() async throws {
        var topology = CombineTopology()
        topology.idleTimeout = "1 SECONDS"
        let cluster = try EmbeddedCluster(topics: topology.clusterTopics)
        // Partition 2 stops after 2.5 s of event time, in the middle of its third window; the others go on.
        let records = (0..<600).map(CombineTopology.event).filter { $0.partition != 2 || Self.eventTime($0.json) < CombineTopology.base + 2_500 }
        let sentinels = CombineTopology.sentinels(partitions: [0, 1])
        // One engine fed every record, with partition 2's watermark moved on as idleness moves it (a
        // sentinel there, whose own far window never fires): every window, with all of partition 2's rows.
        let expected = try topology.expected(records + CombineTopology.sentinels(partitions: [0, 1, 2]))
        #expect(expected.totals.count == 6)

        let totals = try await topology.totalsOfOneInstance(cluster, producing: records + sentinels, count: expected.totals.count)
        // Every window equals that engine's, the silent partition's rows included.
        expectOneEngine(totals, expected.totals)
    }

    static func eventTime(_ json: String) -> Int64 {
        let field = json.split(separator: ",").first { $0.contains("event_time") } ?? ""
        return Int64(field.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? .max
    }

    @Test("Partials published again (a restarted task's replay) replace, never add; an undecodable message is rejected with a reason")
    func replayedPartialsReplace() async throws {
        let (topology, cluster, records, sentinels, expected) = try CombineTopology.standardCase()
        let lines = LogLines()
        let pipeline = try topology.pipeline(cluster, log: { lines.write($0) })
        let combiner = try #require(pipeline.combiner)
        try await pipeline.start()
        // The first 3.5 seconds: windows 0...2 fire, window 3 stays open in every task.
        try await topology.feed(Array(records[0..<350]), to: cluster)
        #expect(try await eventually { combiner.progress.partials == 9 })
        let fired = try await readTopic(topology.totals, bootstrap: cluster.bootstrapServers, count: 3)
        #expect(fired.count == 3)

        // What a task restarted from an older checkpoint does: publish its partials and progress again.
        // Everything published so far (9 partials and the progress markers): read for 2 s.
        let published = try await readTopic(CombineTopology.partialsTopic, bootstrap: cluster.bootstrapServers, count: .max, timeout: .seconds(2))
        #expect(published.count > 9)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let garbage = ProducerRecord(topic: CombineTopology.partialsTopic, partition: 0, key: Array("x".utf8), value: Array("not a partial".utf8))
        #expect(try await producer.send(batch: published.map {
            ProducerRecord(topic: CombineTopology.partialsTopic, partition: 0, key: $0.key, value: $0.value)
        } + [garbage]).succeeded)
        _ = await producer.shutdown()
        #expect(try await eventually { combiner.progress.rejected == 1 })
        #expect(combiner.progress.partialsAfterFire == 9)

        try await topology.feed(Array(records[350...]) + sentinels, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        try await pipeline.stop()
        expectOneEngine(totals, expected.totals)
        #expect(lines.all.contains { $0.contains("partials topic comb.partials[0]") && $0.contains("undecodable partial message") }, "\(lines.all)")
        let exposition = pipeline.pipeline.metrics.registry.render()
        #expect(exposition.contains("eddy_combiner_partials_total{outcome=\"rejected\"} 1"), "\(exposition)")
        #expect(exposition.contains("eddy_combiner_partials_total{outcome=\"after_fire\"} 9"), "\(exposition)")
        #expect(exposition.contains("eddy_combiner_partials_total{outcome=\"merged\"} 18"), "\(exposition)")
    }

    @Test("A task restored from an older checkpoint replays its records and republishes fired windows: ignored, the combined rows stay right")
    func taskRestartFromOlderCheckpoint() async throws {
        let (topology, cluster, records, sentinels, expected) = try CombineTopology.standardCase()
        let directory = temporaryStateDirectory()
        let configuration = topology.configuration(cluster.bootstrapServers, group: uniqueName("g"), directory: directory, instance: "a")
        let files = FileManager.default
        func taskZeroFiles() throws -> [String] { try files.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("comb.task-0~") } }

        // Ids 0...199 (event time up to 1.99 s): window 0 fires.
        let first = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { _ in })
        try await first.start()
        try await topology.feed(Array(records[0..<200]), to: cluster)
        #expect(try await eventually { first.combiner?.progress.partials == 3 })
        try await first.stop()
        let backup = temporaryStateDirectory()
        let old = try taskZeroFiles()
        #expect(!old.isEmpty)
        for file in old { try files.copyItem(atPath: directory + "/" + file, toPath: backup + "/" + file) }

        // Ids 200...399: windows 1 and 2 fire.
        let second = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { _ in })
        try await second.start()
        try await topology.feed(Array(records[200..<400]), to: cluster)
        #expect(try await eventually { second.combiner?.progress.partials == 6 })
        try await second.stop()

        // Task 0 loses its newer checkpoints (as if it had crashed before writing them).
        for file in try taskZeroFiles() { try files.removeItem(atPath: directory + "/" + file) }
        for file in old { try files.copyItem(atPath: backup + "/" + file, toPath: directory + "/" + file) }
        let third = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { _ in })
        try await third.start()
        try await topology.feed(Array(records[400...]) + sentinels, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        try await third.stop()
        // Task 0 published windows 1 and 2 again; both had fired.
        #expect(third.combiner?.progress.partialsAfterFire == 2)
        #expect(third.combiner?.progress.partials == 9)
        expectOneEngine(totals, expected.totals)
    }

    @Test("A pipeline stopped mid-stream restores the combiner's checkpoint and produces the uninterrupted run's rows")
    func combinerCheckpointRestores() async throws {
        let (topology, cluster, records, sentinels, expected) = try CombineTopology.standardCase()
        let directory = temporaryStateDirectory()
        let configuration = topology.configuration(cluster.bootstrapServers, group: uniqueName("g"), directory: directory, instance: "a")

        let before = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { _ in })
        try await before.start()
        try await topology.feed(Array(records[0..<350]), to: cluster)
        #expect(try await eventually { before.combiner?.progress.partials == 9 })
        try await before.stop()
        #expect(before.combiner?.progress.checkpointsWritten ?? 0 > 0)

        let lines = LogLines()
        let after = try ScaledPipeline(topology: try topology.topology(), configuration: configuration, log: { lines.write($0) })
        try await after.start()
        try await topology.feed(Array(records[350...]) + sentinels, to: cluster)
        let totals = try await topology.totals(on: cluster, count: expected.totals.count)
        try await after.stop()
        #expect(lines.all.contains { $0.contains("restored the combiner of comb from checkpoint") }, "\(lines.all)")
        #expect(after.progress.restoredTasks == 3)
        #expect(valuesByKey(totals) == expected.totals)
        // A clean stop checkpointed everything: nothing is produced twice.
        #expect(totals.count == expected.totals.count)
    }
}
