/// The topology the crash and two-instance tests run: keyed, windowed, order-independent aggregates
/// over the generated review stream, grouped by the column the producer keys records by
/// (`product_category`), so each key lives in one partition and per-partition tasks are exact.
///
/// Every output row SELECTs its window start, so `(stream, PRODUCT_CATEGORY, WINDOW_START)` names
/// it; two window widths exercise two operators. A third pump aggregates the whole stream per
/// window (`TOTALS_1S`, named by `(stream, WINDOW_START)`): a global aggregate, so under
/// `--tasks partition` every task publishes its partial windows to `<prefix>.partials` and the
/// combiner stage fires the combined rows, with its own checkpoint. Runs differ only in their
/// output topics' prefix (which is also the topology's name: the file is `<prefix>.sql`).
enum RecoveryTopology {
    struct OutputStream: Sendable {
        var name: String
        var suffix: String
        var identityFields: [String]
        /// Fired by the combiner stage (from the tasks' partials), not by the tasks themselves.
        var combined: Bool
    }

    static let sourceTopic = "reviews"
    /// Tumbling windows of 1 and 3 seconds: with the stream produced at real-time event rate, they
    /// close continuously, so every kill lands between windows of both widths.
    static let streams: [OutputStream] = [
        OutputStream(name: "RATINGS_1S", suffix: "ratings_1s", identityFields: ["PRODUCT_CATEGORY", "WINDOW_START"], combined: false),
        OutputStream(name: "RATINGS_3S", suffix: "ratings_3s", identityFields: ["PRODUCT_CATEGORY", "WINDOW_START"], combined: false),
        OutputStream(name: "TOTALS_1S", suffix: "totals_1s", identityFields: ["WINDOW_START"], combined: true),
    ]
    /// The combined stream's window, seconds (the catch-up wait computes its last window).
    static let combinedWindowSeconds = 1
    /// Allowed lateness: the watermark trails the newest event time of a task by this much.
    static let latenessSeconds = 1
    /// The combiner fires a window once every task that is not idle has passed it. Partitions that
    /// get no category stay empty, and such a task counts as idle only after its grace (the source's
    /// `idle_timeout`, else the engine's 10 s), counted from the moment its incarnation was assigned
    /// the partition: a restarted task announces itself not idle until then, so the combiner holds
    /// every combined window meanwhile (latency, not a wrong row). An incarnation of this test owns
    /// its partitions for only 1 to 3 s before it is killed (it waits about 3 s for the killed
    /// member's session to expire, and is killed within 1 s of its first checkpoint), so with the
    /// default grace the combiner would fire nothing until the trailing records, and the kills would
    /// hit only its buffering (measured: with 2 s it fired in the first incarnations only). Every
    /// partition with data gets dozens of records a second, so 1 s idles only the empty ones; the
    /// test prints the combined rows out at each kill.
    static let idleTimeoutSeconds = 1
    /// The longest window: the trailing records must lie this far (plus lateness) past the stream.
    static let longestWindowSeconds = 3

    static func outputTopics(prefix: String) -> [String] { streams.map { "\(prefix).\($0.suffix)" } }

    /// The producer keys records by product_category (`eddy produce --key product_category`), so the
    /// source declares it as its partition key: every pump is then partition-local without a repartition topic.
    /// The topology, writing to `<prefix>.ratings_1s`, `<prefix>.ratings_3s` and `<prefix>.totals_1s`.
    static func sql(prefix: String) -> String {
        var text = """
            CREATE OR REPLACE STREAM "REVIEWS" (
                "product_category" VARCHAR(64),
                "customer_id" BIGINT,
                "review_id" VARCHAR(24),
                "star_rating" INTEGER,
                "helpful_votes" INTEGER,
                "total_votes" INTEGER,
                "event_time" BIGINT)
            WITH ('topic' = '\(sourceTopic)', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '\(latenessSeconds) SECONDS', 'partition_key' = 'product_category', 'idle_timeout' = '\(idleTimeoutSeconds) SECONDS');

            """
        for (name, seconds) in [("RATINGS_1S", 1), ("RATINGS_3S", 3)] {
            text += """
                CREATE OR REPLACE STREAM "\(name)" (
                    product_category VARCHAR(64),
                    window_start TIMESTAMP,
                    reviews BIGINT,
                    stars BIGINT,
                    avg_stars DOUBLE,
                    avg_helpful_share DOUBLE,
                    min_stars INTEGER,
                    max_votes INTEGER,
                    distinct_customers BIGINT,
                    distinct_reviews BIGINT);
                CREATE OR REPLACE PUMP "\(name)_PUMP" AS
                    INSERT INTO "\(name)"
                    SELECT STREAM "product_category",
                                  STEP(r.ROWTIME BY INTERVAL '\(seconds)' SECOND),
                                  COUNT(*),
                                  SUM("star_rating"),
                                  AVG(CAST("star_rating" AS DOUBLE)),
                                  AVG(CAST("helpful_votes" AS DOUBLE) / 7.0),
                                  MIN("star_rating"),
                                  MAX("total_votes"),
                                  APPROX_COUNT_DISTINCT("customer_id"),
                                  APPROX_COUNT_DISTINCT("review_id")
                    FROM "REVIEWS" AS r
                    GROUP BY "product_category", STEP(r.ROWTIME BY INTERVAL '\(seconds)' SECOND);

                """
        }
        text += """
            CREATE OR REPLACE STREAM "TOTALS_1S" (
                window_start TIMESTAMP,
                reviews BIGINT,
                stars BIGINT,
                avg_stars DOUBLE,
                avg_helpful_share DOUBLE,
                min_stars INTEGER,
                max_votes INTEGER,
                distinct_customers BIGINT,
                distinct_categories BIGINT);
            CREATE OR REPLACE PUMP "TOTALS_1S_PUMP" AS
                INSERT INTO "TOTALS_1S"
                SELECT STREAM STEP(r.ROWTIME BY INTERVAL '\(combinedWindowSeconds)' SECOND),
                              COUNT(*),
                              SUM("star_rating"),
                              AVG(CAST("star_rating" AS DOUBLE)),
                              AVG(CAST("helpful_votes" AS DOUBLE) / 7.0),
                              MIN("star_rating"),
                              MAX("total_votes"),
                              APPROX_COUNT_DISTINCT("customer_id"),
                              APPROX_COUNT_DISTINCT("product_category")
                FROM "REVIEWS" AS r
                GROUP BY STEP(r.ROWTIME BY INTERVAL '\(combinedWindowSeconds)' SECOND);

            """
        for stream in streams {
            text += "ALTER STREAM \"\(stream.name)\" SET ('topic' = '\(prefix).\(stream.suffix)');\n"
        }
        text += "ALTER STREAM \"error_stream\" SET ('topic' = '\(prefix).errors');\n"
        text += "ALTER STREAM \"late_stream\" SET ('topic' = '\(prefix).late');\n"
        return text
    }
}
