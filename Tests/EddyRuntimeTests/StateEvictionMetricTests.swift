import EddyKafka
import EddyMetrics
import EddyRuntime
import EddySQL
import Testing

/// Issue 6, "state size is bounded and reported in metrics": keys a keyed pump drops reach
/// `eddy_state_evicted_keys_total{pump}` of a pipeline running on the embedded cluster.
@Suite("Evicted keyed state in the pipeline's metrics")
struct StateEvictionMetricTests {
    @Test("Every key whose stagger window fired is dropped and counted once: the counter equals the rows out")
    func staggerEvictionsAreCounted() async throws {
        let input = uniqueName("visits"), sessions = uniqueName("sessions"), errors = uniqueName("errors"), late = uniqueName("late")
        let sql = """
            CREATE OR REPLACE STREAM "VISITS" ("id" BIGINT, "k" VARCHAR(8), "event_time" BIGINT)
            WITH ('topic' = '\(input)', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '0 SECONDS');
            CREATE OR REPLACE STREAM "SESSIONS" (k VARCHAR(8), n BIGINT);
            CREATE OR REPLACE PUMP "SESSIONS_PUMP" AS INSERT INTO "SESSIONS"
                SELECT STREAM "k", COUNT(*) FROM "VISITS"
                WINDOWED BY STAGGER (PARTITION BY "k" RANGE INTERVAL '1' SECOND);
            ALTER STREAM "SESSIONS" SET ('topic' = '\(sessions)');
            ALTER STREAM "error_stream" SET ('topic' = '\(errors)');
            ALTER STREAM "late_stream" SET ('topic' = '\(late)');
            """
        let cluster = try EmbeddedCluster(topics: [.init(name: input, partitions: 3), .init(name: sessions, partitions: 1),
                                                   .init(name: errors, partitions: 1), .init(name: late, partitions: 1)])
        // 600 keys seen once each, 10 ms apart, then one record per partition an hour later: its
        // watermark fires every key's window (the trailing key's own window stays open).
        let keys = 600
        let visits = (0..<keys).map { id in
            (Int32(id % 3), "{\"id\":\(id),\"k\":\"u\(id)\",\"event_time\":\(EventsTopology.base + Int64(id) * 10)}")
        }
        let trailers = (0..<3).map { partition in
            (Int32(partition), "{\"id\":-1,\"k\":\"end\",\"event_time\":\(EventsTopology.base + 3_600_000)}")
        }
        try await produce(visits + trailers, topic: input, bootstrap: cluster.bootstrapServers)

        let metrics = try PipelineMetrics()
        let pipeline = try KafkaPipeline(topology: try Analyzer.analyze(text: sql, name: "visits"),
                                         configuration: pipelineConfiguration(cluster.bootstrapServers, group: uniqueName("g")), metrics: metrics)
        try await pipeline.start()
        #expect(try await eventually { pipeline.progress.recordsIn == keys + trailers.count })
        let rows = try await readTopic(sessions, bootstrap: cluster.bootstrapServers, count: keys, settle: .milliseconds(300))
        #expect(try await eventually { metrics.registry.render().contains("eddy_state_evicted_keys_total{pump=\"SESSIONS_PUMP\"} \(keys)\n") })
        try await pipeline.stop()

        #expect(rows.count == keys)
        #expect(Set(rows.map { jsonObject($0.value)["K"] ?? "" }) == Set((0..<keys).map { "u\($0)" }))
        let exposition = metrics.registry.render()
        #expect(exposition.contains("eddy_state_evicted_keys_total{pump=\"SESSIONS_PUMP\"} \(keys)\n"),
                "\(exposition.split(separator: "\n").filter { $0.contains("evicted") })")
    }
}
