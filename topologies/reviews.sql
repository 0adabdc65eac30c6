-- The reference pipeline (Data Science on AWS, ch. 11), over `eddy produce --generate reviews`, grown
-- with sentiment, distinct counts, top-K, per-category anomaly scores and alerts (issues 4 and 5).
-- The KDA application code is KDA SQL; the WITH / ALTER STREAM statements bind it to Kafka.
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
    "review_body" VARCHAR(8192),
    "event_time" BIGINT)
WITH ('topic' = 'reviews', 'format' = 'json', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS', 'idle_timeout' = '30 SECONDS');

-- Per product category per 10-second tumbling window: average rating, exact and approximate message
-- counts, average VADER sentiment of the review text, and distinct reviewers.
CREATE OR REPLACE STREAM "AVG_STAR_RATING_SQL_STREAM" (
    product_category VARCHAR(64),
    window_start TIMESTAMP,
    avg_star_rating DOUBLE,
    review_count BIGINT,
    avg_sentiment DOUBLE,
    approx_review_count BIGINT,
    distinct_reviewers BIGINT);

CREATE OR REPLACE PUMP "AVG_STAR_RATING_SQL_STREAM_PUMP" AS
    INSERT INTO "AVG_STAR_RATING_SQL_STREAM"
    SELECT STREAM "product_category",
                  STEP(s.ROWTIME BY INTERVAL '10' SECOND),
                  AVG(CAST("star_rating" AS DOUBLE)),
                  COUNT(*),
                  AVG(SENTIMENT("review_body")),
                  APPROX_COUNT_DISTINCT("review_id"),
                  APPROX_COUNT_DISTINCT("customer_id")
    FROM "SOURCE_SQL_STREAM_001" AS s
    GROUP BY "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND);

-- The whole stream per 10-second window: messages (exact and approximate) and distinct reviewers.
CREATE OR REPLACE STREAM "MESSAGE_COUNTS_SQL_STREAM" (
    window_start TIMESTAMP,
    message_count BIGINT,
    approx_message_count BIGINT,
    distinct_reviewers BIGINT);

CREATE OR REPLACE PUMP "MESSAGE_COUNTS_PUMP" AS
    INSERT INTO "MESSAGE_COUNTS_SQL_STREAM"
    SELECT STREAM STEP(s.ROWTIME BY INTERVAL '10' SECOND), COUNT(*), APPROX_COUNT_DISTINCT("review_id"), APPROX_COUNT_DISTINCT("customer_id")
    FROM "SOURCE_SQL_STREAM_001" AS s
    GROUP BY STEP(s.ROWTIME BY INTERVAL '10' SECOND);

-- Approximate number of distinct review_ids per 10-second window (exact up to 10,000, then HyperLogLog).
CREATE OR REPLACE STREAM "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM" (number_of_distinct_items BIGINT);

CREATE OR REPLACE PUMP "APPROXIMATE_DISTINCT_REVIEWS_PUMP" AS
    INSERT INTO "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM"
    SELECT STREAM NUMBER_OF_DISTINCT_ITEMS
    FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
        CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'review_id', 10));

-- The ten most reviewed products per 10-second window.
CREATE OR REPLACE STREAM "TOP_PRODUCTS_SQL_STREAM" (window_end TIMESTAMP, product_id VARCHAR(16), review_count BIGINT);

CREATE OR REPLACE PUMP "TOP_PRODUCTS_PUMP" AS
    INSERT INTO "TOP_PRODUCTS_SQL_STREAM"
    SELECT STREAM ROWTIME, ITEM, ITEM_COUNT
    FROM TABLE(TOP_K_ITEMS_TUMBLING(
        CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'product_id', 10, 10));

-- Anomaly score of every review against its category's own forest, over three numeric features:
-- rating, sentiment and length of the text. The explanation says which feature made it unusual.
CREATE OR REPLACE STREAM "REVIEW_ANOMALY_SQL_STREAM" (
    review_id VARCHAR(24),
    product_category VARCHAR(64),
    star_rating DOUBLE,
    sentiment DOUBLE,
    review_length DOUBLE,
    anomaly_score DOUBLE,
    anomaly_explanation VARCHAR(2048));

CREATE OR REPLACE PUMP "REVIEW_ANOMALY_PUMP" AS
    INSERT INTO "REVIEW_ANOMALY_SQL_STREAM"
    SELECT STREAM "review_id", "product_category", STAR_RATING, SENTIMENT, REVIEW_LENGTH, ANOMALY_SCORE, ANOMALY_EXPLANATION
    FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(
        CURSOR(SELECT STREAM "review_id", "product_category",
                             CAST("star_rating" AS DOUBLE) AS star_rating,
                             SENTIMENT("review_body") AS sentiment,
                             CAST(CHAR_LENGTH("review_body") AS DOUBLE) AS review_length
               FROM "SOURCE_SQL_STREAM_001"),
        100, 256, 100000, 1, true, 'PARTITION_BY=product_category'));

-- One alert topic with a "kind" field: unusual reviews per category (RCF score above mean + 4σ of the
-- category's recent scores; forest warm-up zeros are left out), and a drop of a category's windowed
-- average sentiment below mean − 3σ of its recent windows. One alert per burst and key, then one
-- follow-up with the count of what the 60-second cool-down held back.
CREATE OR REPLACE STREAM "REVIEW_ALERTS" (alert_key VARCHAR(256), alert VARCHAR(65536));

CREATE OR REPLACE PUMP "RCF_ALERTS_PUMP" AS
    INSERT INTO "REVIEW_ALERTS"
    SELECT STREAM ALERT_KEY, ALERT
    FROM TABLE(ANOMALY_ALERTS(
        CURSOR(SELECT STREAM * FROM "REVIEW_ANOMALY_SQL_STREAM" WHERE "ANOMALY_SCORE" > 0),
        'ANOMALY_SCORE', 'PRODUCT_CATEGORY', 5, 120, 'KIND=rcf_anomaly, WARM_UP=100'));

CREATE OR REPLACE PUMP "SENTIMENT_DROP_ALERTS_PUMP" AS
    INSERT INTO "REVIEW_ALERTS"
    SELECT STREAM ALERT_KEY, ALERT
    FROM TABLE(ANOMALY_ALERTS(
        CURSOR(SELECT STREAM "PRODUCT_CATEGORY", "WINDOW_START", "AVG_SENTIMENT", "AVG_STAR_RATING", "REVIEW_COUNT"
               FROM "AVG_STAR_RATING_SQL_STREAM"),
        'AVG_SENTIMENT', 'PRODUCT_CATEGORY', 4, 60, 'KIND=sentiment_drop, TAIL=LOW, WARM_UP=4, HALF_LIFE=30, MIN_STDDEV=0.1'));

ALTER STREAM "AVG_STAR_RATING_SQL_STREAM" SET ('topic' = 'metrics.avg_star_rating', 'partitions' = '3');
ALTER STREAM "MESSAGE_COUNTS_SQL_STREAM" SET ('topic' = 'metrics.message_counts');
ALTER STREAM "APPROXIMATE_DISTINCT_REVIEWS_SQL_STREAM" SET ('topic' = 'metrics.distinct_reviews');
ALTER STREAM "TOP_PRODUCTS_SQL_STREAM" SET ('topic' = 'metrics.top_products');
ALTER STREAM "REVIEW_ANOMALY_SQL_STREAM" SET ('topic' = 'metrics.review_anomalies');
ALTER STREAM "REVIEW_ALERTS" SET ('topic' = 'alerts.reviews', 'format' = 'raw', 'key' = 'alert_key');
ALTER STREAM "error_stream" SET ('topic' = 'reviews.errors');
ALTER STREAM "late_stream" SET ('topic' = 'reviews.late');
