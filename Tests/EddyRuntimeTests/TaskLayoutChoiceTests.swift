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

    @Test("A window over the whole stream is global and combinable: per partition, combined through the partials topic")
    func globalAggregateIsCombined() throws {
        let topology = try Self.topology("""
        CREATE PUMP TOTAL AS INSERT INTO O SELECT STREAM 'all', COUNT(*) FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """)
        let choice = TaskLayoutChoice.automatic(for: topology)
        #expect(try #require(topology.distribution.pump(named: "TOTAL")).placement == .global)
        #expect(choice == TaskLayoutChoice(layout: .perPartition, reason: "every pump is stateless, or a global aggregate combined through lay.partials (TOTAL)"))
    }

    @Test("A reviews-like topology: keyed pumps local, the whole-stream counts combined, a pump reading them in the combiner")
    func reviewsLikeIsCombined() throws {
        let topology = try Analyzer.analyze(text: """
        CREATE STREAM S ("category" VARCHAR(8), "id" VARCHAR(8), "stars" INTEGER, "t" BIGINT) WITH ('topic' = 's', 'format' = 'json', 'rowtime' = 't');
        CREATE STREAM PER_CATEGORY (category VARCHAR(8), n BIGINT, stars DOUBLE);
        CREATE PUMP P1 AS INSERT INTO PER_CATEGORY SELECT STREAM "category", COUNT(*), AVG(CAST("stars" AS DOUBLE)) FROM S
            GROUP BY "category", STEP(S.ROWTIME BY INTERVAL '10' SECOND);
        CREATE STREAM COUNTS (n BIGINT, ids BIGINT);
        CREATE PUMP P2 AS INSERT INTO COUNTS SELECT STREAM COUNT(*), APPROX_COUNT_DISTINCT("id") FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '10' SECOND);
        CREATE STREAM BUSY (n BIGINT);
        CREATE PUMP P3 AS INSERT INTO BUSY SELECT STREAM n FROM COUNTS WHERE n > 100;
        ALTER STREAM PER_CATEGORY SET ('topic' = 'c'); ALTER STREAM COUNTS SET ('topic' = 'n'); ALTER STREAM BUSY SET ('topic' = 'b');
        """, name: "rev")
        let choice = TaskLayoutChoice.automatic(for: topology)
        #expect(choice.layout == .perPartition)
        #expect(choice.reason == "every pump is stateless, keyed by its source's partition column, or a global aggregate combined through rev.partials (P2; P3 run in the combiner); S repartitioned by category through rev.repartition.S")
        let plan = CombinePlan(topology: topology.readingRepartitionTopics())
        #expect(plan.combinedPumps == ["P2"])
        #expect(plan.combinerPumps == ["P3"])
    }

    @Test("A global FIRST_VALUE pump cannot be combined: one task, naming the pump and why")
    func firstValueIsSingle() throws {
        let topology = try Self.topology("""
        CREATE PUMP FIRST AS INSERT INTO O SELECT STREAM FIRST_VALUE("k"), COUNT(*) FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """)
        let choice = TaskLayoutChoice.automatic(for: topology)
        let pump = try #require(topology.distribution.pump(named: "FIRST"))
        #expect(choice.layout == .single)
        #expect(choice.reason == "pump FIRST is exact only in one task: \(pump.reason)")
        #expect(choice.reason.contains("FIRST_VALUE"))
    }
}
