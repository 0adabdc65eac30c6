import EddyRuntime
import EddySQL
import Testing

@Suite("--tasks auto: the task layout and its reason")
struct TaskLayoutChoiceTests {
    static func topology(_ pumps: String, options: String = "") throws -> Topology {
        try Analyzer.analyze(text: """
        CREATE STREAM S ("k" VARCHAR(8), "v" INTEGER, "t" BIGINT) WITH ('topic' = 's', 'format' = 'json', 'rowtime' = 't'\(options));
        CREATE STREAM O (k VARCHAR(8), n BIGINT);
        \(pumps)
        ALTER STREAM O SET ('topic' = 'o');
        """, name: "lay")
    }

    @Test("A per-key window over a source not keyed by it: per partition, through the repartition topic")
    func keyedNeedsRepartition() throws {
        let choice = TaskLayoutChoice.automatic(for: try EventsTopology().topology())
        #expect(choice.layout == .perPartition)
        #expect(choice.reason == "every pump is stateless or keyed by its source's partition column; EVENTS repartitioned by k through events.repartition.EVENTS")
    }

    @Test("A source declared keyed by the grouping column needs no repartition")
    func declaredKeyIsLocal() throws {
        let topology = try Self.topology("""
        CREATE PUMP P AS INSERT INTO O SELECT STREAM "k", COUNT(*) FROM S GROUP BY "k", STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """, options: ", 'partition_key' = 'k'")
        let choice = TaskLayoutChoice.automatic(for: topology)
        #expect(choice == TaskLayoutChoice(layout: .perPartition, reason: "every pump is stateless or keyed by its source's partition column"))
        #expect(topology.readingRepartitionTopics().streams[topology.streamIndex("S")!].binding.topic == "s")
    }

    @Test("Only stateless pumps: per partition")
    func statelessIsLocal() throws {
        let choice = TaskLayoutChoice.automatic(for: try Self.topology("""
        CREATE PUMP P AS INSERT INTO O SELECT STREAM "k", CAST("v" AS BIGINT) FROM S WHERE "v" > 3;
        """))
        #expect(choice == TaskLayoutChoice(layout: .perPartition, reason: "every pump is stateless"))
    }

    @Test("A window over the whole stream is global: one task, naming the pump")
    func globalAggregateIsSingle() throws {
        let topology = try Self.topology("""
        CREATE PUMP TOTAL AS INSERT INTO O SELECT STREAM 'all', COUNT(*) FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """)
        let choice = TaskLayoutChoice.automatic(for: topology)
        let pump = try #require(topology.distribution.pump(named: "TOTAL"))
        #expect(pump.placement == .global)
        #expect(choice.layout == .single)
        #expect(choice.reason == "pump TOTAL is a global aggregate (partial windows are not combined across tasks yet): \(pump.reason)")
    }
}
