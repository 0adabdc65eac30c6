import EddyCore
import EddySQL
import Foundation
import Testing

/// `Topology.distribution`: partition keys per source (declared or inferred), repartitions, and
/// where each pump can run exactly when several tasks split the partitions.
@Suite struct DistributionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func file(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    static func placements(_ d: Distribution) -> [String: Distribution.Placement] {
        Dictionary(uniqueKeysWithValues: d.pumps.map { ($0.name, $0.placement) })
    }

    @Test func reviewsInfersProductCategoryAndNeedsARepartition() throws {
        let d = try Analyzer.analyze(text: Self.file("topologies/reviews.sql"), name: "reviews").distribution
        #expect(d.sources.count == 1)
        let source = try #require(d.source(named: "SOURCE_SQL_STREAM_001"))
        #expect(source.partitionColumnName == "product_category")
        #expect(source.keySource == .inferred)
        #expect(source.declaredColumn == nil)
        #expect(source.needsRepartition)
        #expect(source.repartitionTopic == "reviews.repartition.SOURCE_SQL_STREAM_001")
        #expect(Self.placements(d) == [
            // GROUP BY product_category.
            "AVG_STAR_RATING_SQL_STREAM_PUMP": .partitionLocal,
            // Whole-stream windows: COUNT/HLL, distinct sets, top-K counts need a combine.
            "MESSAGE_COUNTS_PUMP": .global,
            "APPROXIMATE_DISTINCT_REVIEWS_PUMP": .global,
            "TOP_PRODUCTS_PUMP": .global,
            // PARTITION_BY=product_category.
            "REVIEW_ANOMALY_PUMP": .partitionLocal,
            // Keyed by PRODUCT_CATEGORY of REVIEW_ANOMALY_SQL_STREAM, traced through the forest's cursor.
            "RCF_ALERTS_PUMP": .partitionLocal,
            // Keyed by PRODUCT_CATEGORY of AVG_STAR_RATING_SQL_STREAM, traced through the GROUP BY.
            "SENTIMENT_DROP_ALERTS_PUMP": .partitionLocal,
        ])
        #expect(!d.isPartitionLocal)
        #expect(d.pumps.allSatisfy { $0.conflict == nil })
        #expect(d.pump(named: "RCF_ALERTS_PUMP")?.reason.contains("product_category of \"SOURCE_SQL_STREAM_001\"") == true)
    }

    @Test func tasksReadTheRepartitionTopicInsteadOfTheSource() throws {
        let topology = try Analyzer.analyze(text: Self.file("topologies/reviews.sql"), name: "reviews")
        let rebound = topology.readingRepartitionTopics()
        let index = try #require(topology.streamIndex("SOURCE_SQL_STREAM_001"))
        #expect(topology.streams[index].binding.topic == "reviews")
        #expect(rebound.streams[index].binding.topic == "reviews.repartition.SOURCE_SQL_STREAM_001")
        #expect(rebound.distribution.sources[0].keySource == .declared)
        #expect(!rebound.distribution.sources[0].needsRepartition)
        #expect(rebound.streams.indices.filter { $0 != index }.allSatisfy { rebound.streams[$0].binding.topic == topology.streams[$0].binding.topic })
    }

    @Test func reviewsWithADeclaredKeyNeedsNoRepartition() throws {
        let text = try Self.file("topologies/reviews.sql")
            .replacingOccurrences(of: "'idle_timeout' = '30 SECONDS')", with: "'idle_timeout' = '30 SECONDS', 'partition_key' = 'product_category')")
        let d = try Analyzer.analyze(text: text, name: "reviews").distribution
        let source = try #require(d.source(named: "SOURCE_SQL_STREAM_001"))
        #expect(source.keySource == .declared)
        #expect(source.partitionColumnName == "product_category")
        #expect(!source.needsRepartition)
        #expect(source.repartitionTopic == nil)
        #expect(Self.placements(d)["REVIEW_ANOMALY_PUMP"] == .partitionLocal)
    }

    @Test func reviewsWithoutItsWholeStreamPumpsIsPartitionLocal() throws {
        // Drop the three whole-stream pumps (each is a "CREATE OR REPLACE PUMP ... ;" statement).
        var text = try Self.file("topologies/reviews.sql")
        for pump in ["MESSAGE_COUNTS_PUMP", "APPROXIMATE_DISTINCT_REVIEWS_PUMP", "TOP_PRODUCTS_PUMP"] {
            let start = try #require(text.range(of: "CREATE OR REPLACE PUMP \"\(pump)\""))
            let end = try #require(text.range(of: ";", range: start.upperBound..<text.endIndex))
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        let topology = try Analyzer.analyze(text: text, name: "reviews")
        #expect(topology.pumps.count == 4)
        #expect(topology.isPartitionLocal)
        #expect(topology.distribution.sources[0].needsRepartition)
    }

    @Test func examples() throws {
        let anomalies = try Analyzer.analyze(text: Self.file("topologies/examples/anomalies.sql"), name: "anomalies").distribution
        #expect(anomalies.sources[0].partitionColumnName == "sensor")
        #expect(anomalies.sources[0].repartitionTopic == "anomalies.repartition.READINGS")
        #expect(Self.placements(anomalies) == ["SCORE_PUMP": .partitionLocal, "ALERT_PUMP": .partitionLocal])
        #expect(anomalies.isPartitionLocal)

        let filter = try Analyzer.analyze(text: Self.file("topologies/examples/filter_project.sql"), name: "filter").distribution
        #expect(filter.sources[0].keySource == .none)
        #expect(filter.sources[0].partitionColumn == nil)
        #expect(!filter.sources[0].needsRepartition)
        #expect(Self.placements(filter) == ["BIG_ORDERS_PUMP": .stateless])
        #expect(filter.isPartitionLocal)

        let sessions = try Analyzer.analyze(text: Self.file("topologies/examples/sessions.sql"), name: "sessions").distribution
        #expect(sessions.sources[0].partitionColumnName == "user")
        #expect(Self.placements(sessions) == ["SESSIONS_PUMP": .partitionLocal, "TOP_PAGES_PUMP": .global])
        #expect(!sessions.isPartitionLocal)

        let sliding = try Analyzer.analyze(text: Self.file("topologies/examples/sliding.sql"), name: "sliding").distribution
        #expect(sliding.sources[0].partitionColumnName == "sym")
        #expect(Self.placements(sliding) == ["MOVING_PUMP": .partitionLocal])
        #expect(sliding.isPartitionLocal)
    }

    static let schema = """
    CREATE STREAM S ("a" VARCHAR(8), "b" BIGINT, "x" DOUBLE, "t" BIGINT) WITH ('topic' = 's', 'rowtime' = 't'%@);
    CREATE STREAM BY_A (a VARCHAR(8), n BIGINT);
    CREATE STREAM BY_B (b BIGINT, n BIGINT);
    CREATE STREAM SCORED (a VARCHAR(8), b BIGINT, x DOUBLE, anomaly_score DOUBLE);

    """
    static let byA = "CREATE PUMP PA AS INSERT INTO BY_A SELECT STREAM \"a\", COUNT(*) FROM S GROUP BY \"a\", STEP(S.ROWTIME BY INTERVAL '1' SECOND);\n"
    static let byB = "CREATE PUMP PB AS INSERT INTO BY_B SELECT STREAM \"b\", COUNT(*) FROM S GROUP BY \"b\", STEP(S.ROWTIME BY INTERVAL '1' SECOND);\n"
    static let forestByB = """
    CREATE PUMP RCF AS INSERT INTO SCORED SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(
        CURSOR(SELECT STREAM "a", "b", "x" FROM S), 10, 16, 1000, 1, 'PARTITION_BY=b'));

    """

    static func topology(declaring option: String = "", _ pumps: String...) throws -> Topology {
        try Analyzer.analyze(text: schema.replacingOccurrences(of: "%@", with: option) + pumps.joined(), name: "t")
    }

    @Test func aDeclaredKeyTheKeyedPumpsAgreeWithNeedsNoRepartition() throws {
        let d = try Self.topology(declaring: ", 'partition_key' = 'a'", Self.byA).distribution
        #expect(d.sources[0].keySource == .declared)
        #expect(d.sources[0].partitionColumnName == "a")
        #expect(!d.sources[0].needsRepartition)
        #expect(Self.placements(d) == ["PA": .partitionLocal])
    }

    @Test func aDeclaredKeyNoPumpUsesIsKeptWithoutRepartition() throws {
        let d = try Self.topology(declaring: ", 'partition_key' = 'b'").distribution
        #expect(d.sources[0].keySource == .declared)
        #expect(d.sources[0].partitionColumnName == "b")
        #expect(!d.sources[0].needsRepartition)
    }

    @Test func keyedPumpsOverruleADeclaredKeyNoneOfThemUses() throws {
        let d = try Self.topology(declaring: ", 'partition_key' = 'b'", Self.byA).distribution
        #expect(d.sources[0].keySource == .inferred)
        #expect(d.sources[0].partitionColumnName == "a")
        #expect(d.sources[0].declaredColumn == 1)
        #expect(d.sources[0].needsRepartition)
        #expect(d.sources[0].repartitionTopic == "t.repartition.S")
        #expect(Self.placements(d) == ["PA": .partitionLocal])
    }

    @Test func conflictingKeysTheDeclaredKeyWinsATieAndTheOtherPumpSaysHowToFixIt() throws {
        let d = try Self.topology(declaring: ", 'partition_key' = 'a'", Self.byA, Self.byB).distribution
        #expect(d.sources[0].partitionColumnName == "a")
        #expect(!d.sources[0].needsRepartition)
        #expect(Self.placements(d) == ["PA": .partitionLocal, "PB": .global])
        let conflict = try #require(d.pump(named: "PB")?.conflict)
        #expect(conflict.contains("partitioned by a (its 'partition_key'), but this pump is keyed by b"))
        #expect(conflict.contains("--tasks single"))
        #expect(conflict.contains("'partition_key' = 'b'"))
        #expect(d.pump(named: "PA")?.conflict == nil)
    }

    @Test func conflictingKeysTheMajorityWinsAndTheForestLosesExactness() throws {
        let otherByA = Self.byA.replacingOccurrences(of: "PUMP PA", with: "PUMP PA2")
        let d = try Self.topology(Self.forestByB, Self.byA, otherByA).distribution
        #expect(d.sources[0].keySource == .inferred)
        #expect(d.sources[0].partitionColumnName == "a")
        #expect(Self.placements(d) == ["RCF": .perPartition, "PA": .partitionLocal, "PA2": .partitionLocal])
        let rcf = try #require(d.pump(named: "RCF"))
        #expect(rcf.reason.contains("per-key forests"))
        #expect(rcf.conflict?.contains("more keyed pumps need it") == true)
        #expect(!d.isPartitionLocal)
    }

    @Test func aTieWithoutDeclarationGoesToTheFirstKeyedPump() throws {
        let d = try Self.topology(Self.forestByB, Self.byA).distribution
        #expect(d.sources[0].partitionColumnName == "b")
        #expect(Self.placements(d) == ["RCF": .partitionLocal, "PA": .global])
    }

    @Test func valuePreservingCastsKeepAKeyButFunctionsOfItDoNot() throws {
        let cast = try Self.topology("""
        CREATE PUMP P AS INSERT INTO BY_A SELECT STREAM CAST("b" AS VARCHAR(8)), COUNT(*) FROM S GROUP BY CAST("b" AS VARCHAR(8)), STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """).distribution
        #expect(cast.sources[0].partitionColumnName == "b")
        #expect(Self.placements(cast) == ["P": .partitionLocal])

        // UPPER('x') and UPPER('X') share a group but not necessarily a partition.
        let upper = try Self.topology("""
        CREATE PUMP P AS INSERT INTO BY_A SELECT STREAM UPPER("a"), COUNT(*) FROM S GROUP BY UPPER("a"), STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """).distribution
        #expect(upper.sources[0].partitionColumn == nil)
        #expect(upper.sources[0].keySource == .none)
        #expect(Self.placements(upper) == ["P": .global])
        #expect(upper.pump(named: "P")?.reason.contains("keyed by an expression, not a partition key") == true)
    }

    @Test func orderDependentAggregatesAcrossPartitionsNeedOneTask() throws {
        let d = try Self.topology("""
        CREATE STREAM FIRSTS (a VARCHAR(8));
        CREATE PUMP P AS INSERT INTO FIRSTS SELECT STREAM FIRST_VALUE("a") FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        """).distribution
        #expect(Self.placements(d) == ["P": .perPartition])
        #expect(d.pump(named: "P")?.reason.contains("FIRST_VALUE depend on arrival order") == true)
    }

    @Test func aSingleGlobalForestNeedsOneTask() throws {
        let d = try Self.topology("""
        CREATE PUMP P AS INSERT INTO SCORED SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "a", "b", "x" FROM S)));
        """).distribution
        #expect(d.sources[0].partitionColumn == nil)
        #expect(Self.placements(d) == ["P": .perPartition])
        #expect(d.pump(named: "P")?.reason.contains("one forest learns every row in arrival order") == true)
        #expect(!d.isPartitionLocal)
    }

    @Test func aKeyedPumpDownstreamOfAGlobalOneIsExactOnlyInOneTask() throws {
        let d = try Self.topology("""
        CREATE STREAM TOTALS (n BIGINT, t TIMESTAMP);
        CREATE PUMP P AS INSERT INTO TOTALS SELECT STREAM COUNT(*), STEP(S.ROWTIME BY INTERVAL '1' SECOND) FROM S GROUP BY STEP(S.ROWTIME BY INTERVAL '1' SECOND);
        CREATE STREAM ALERTS (alert_key VARCHAR(256), alert VARCHAR(4096));
        CREATE PUMP Q AS INSERT INTO ALERTS SELECT STREAM ALERT_KEY, ALERT FROM TABLE(ANOMALY_ALERTS(
            CURSOR(SELECT STREAM CAST("N" AS DOUBLE) AS score, 'all' AS k FROM TOTALS), 'SCORE', 'K', 3, 60));
        """).distribution
        #expect(Self.placements(d) == ["P": .global, "Q": .perPartition])
        #expect(d.pump(named: "Q")?.reason.contains("which pump \"P\" computes per task") == true)
    }

    @Test func statelessPumpsAndTheirDownstreamKeyedPumpsStayLocal() throws {
        let d = try Self.topology("""
        CREATE STREAM BIG (a VARCHAR(8), x DOUBLE, t BIGINT);
        CREATE PUMP F AS INSERT INTO BIG SELECT STREAM "a", "x", "t" FROM S WHERE "x" > 1;
        CREATE STREAM MOVING (a VARCHAR(8), x DOUBLE, m DOUBLE);
        CREATE PUMP M AS INSERT INTO MOVING SELECT STREAM "A", "X", AVG("X") OVER w FROM BIG WINDOW w AS (PARTITION BY "A" ROWS 5 PRECEDING);
        """).distribution
        #expect(d.sources[0].partitionColumnName == "a")
        #expect(Self.placements(d) == ["F": .stateless, "M": .partitionLocal])
        #expect(d.isPartitionLocal)
    }

    @Test func repartitionTopicNamesAreValidKafkaNames() throws {
        let t = try Analyzer.analyze(text: """
        CREATE STREAM "my events/v2" ("k" VARCHAR(8), "t" BIGINT) WITH ('topic' = 'e', 'rowtime' = 't');
        CREATE STREAM O (k VARCHAR(8), n BIGINT);
        CREATE PUMP P AS INSERT INTO O SELECT STREAM "k", COUNT(*) FROM "my events/v2" AS e GROUP BY "k", STEP(e.ROWTIME BY INTERVAL '1' SECOND);
        """, name: "shop")
        #expect(t.distribution.sources[0].repartitionTopic == "shop.repartition.my_events_v2")
    }

    @Test(arguments: [
        ("CREATE STREAM S (a INTEGER) WITH ('topic' = 's', 'partition_key' = 'b');", 1, 50,
         "partition_key column 'b' is not a column of this stream", "A"),
        ("CREATE STREAM S (a INTEGER) WITH ('topic' = 's');\nCREATE STREAM O (a INTEGER) WITH ('topic' = 'o', 'partition_key' = 'a');\nCREATE PUMP P AS INSERT INTO O SELECT STREAM a FROM S;",
         2, 50, "'partition_key' on \"O\", which pumps write", "'key'"),
    ])
    func partitionKeyDiagnostics(sql: String, line: Int, column: Int, message: String, hintMentions: String) {
        do {
            _ = try Analyzer.analyze(text: sql, name: "t")
            Issue.record("expected a diagnostic")
        } catch {
            #expect(error.message == message)
            #expect(error.location == SourceLocation(line: line, column: column))
            #expect(error.hint.contains(hintMentions), "\(error.hint)")
        }
    }

    @Test func aDeclaredKeyResolvesLikeOtherColumnOptions() throws {
        let t = try Analyzer.analyze(text: "CREATE STREAM S (\"Cat\" VARCHAR(8), n INTEGER) WITH ('topic' = 's', 'partition_key' = 'Cat');", name: "t")
        #expect(t.streams[t.streamIndex("S")!].binding.partitionKeyColumn == 0)
    }
}
