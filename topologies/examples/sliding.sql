-- Sliding windows: one output row per input row, aggregates over the last minute of the same
-- symbol, and LAG for the change since the previous tick.
CREATE OR REPLACE STREAM "TICKS" ("sym" VARCHAR(8), "price" DOUBLE, "t" BIGINT)
WITH ('topic' = 'ticks', 'rowtime' = 't');

CREATE OR REPLACE STREAM "MOVING" (sym VARCHAR(8), price DOUBLE, avg_1m DOUBLE, max_1m DOUBLE, change DOUBLE)
WITH ('topic' = 'ticks.moving');

CREATE OR REPLACE PUMP "MOVING_PUMP" AS INSERT INTO "MOVING"
    SELECT STREAM "sym", "price", AVG("price") OVER w, MAX("price") OVER w, "price" - LAG("price", 1) OVER w
    FROM "TICKS"
    WINDOW w AS (PARTITION BY "sym" RANGE INTERVAL '1' MINUTE PRECEDING);
