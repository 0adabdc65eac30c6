-- The reference pipeline (Data Science on AWS, ch. 11), over `eddy produce --generate reviews`.
-- The KDA application code is unchanged; the WITH / ALTER STREAM statements bind it to Kafka.
CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    "marketplace" VARCHAR(8),
    "customer_id" BIGINT,
    "review_id" VARCHAR(24),
    "product_id" VARCHAR(16),
    "product_parent" BIGINT,
    "product_category" VARCHAR(64),
    "star_rating" INTEGER,
    "helpful_votes" INTEGER,
    "total_votes" INTEGER,
    "event_time" BIGINT)
WITH ('topic' = 'reviews', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS', 'idle_timeout' = '30 SECONDS');

-- Average rating and message count per product category per 10-second tumbling window.
CREATE OR REPLACE STREAM "AVG_STAR_RATING_SQL_STREAM" (
    product_category VARCHAR(64),
    window_start TIMESTAMP,
    avg_star_rating DOUBLE,
    review_count BIGINT);

CREATE OR REPLACE PUMP "AVG_STAR_RATING_SQL_STREAM_PUMP" AS
    INSERT INTO "AVG_STAR_RATING_SQL_STREAM"
    SELECT STREAM "product_category",
                  STEP(s.ROWTIME BY INTERVAL '10' SECOND),
                  AVG(CAST("star_rating" AS DOUBLE)),
                  COUNT(*)
    FROM "SOURCE_SQL_STREAM_001" AS s
    GROUP BY "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND);

-- Approximate number of distinct review_ids per 10-second window (exact up to 10,000, then HyperLogLog).
CREATE OR REPLACE STREAM "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM" (number_of_distinct_items BIGINT);

CREATE OR REPLACE PUMP "APPROXIMATE_DISTINCT_REVIEWS_PUMP" AS
    INSERT INTO "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM"
    SELECT STREAM NUMBER_OF_DISTINCT_ITEMS
    FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
        CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'review_id', 10));

ALTER STREAM "AVG_STAR_RATING_SQL_STREAM" SET ('topic' = 'metrics.avg_star_rating', 'partitions' = '3');
ALTER STREAM "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM" SET ('topic' = 'metrics.distinct_reviews');
ALTER STREAM "error_stream" SET ('topic' = 'reviews.errors');
ALTER STREAM "late_stream" SET ('topic' = 'reviews.late');
