-- Filters and projections: WHERE with BETWEEN / IN / NOT LIKE, CASE, CAST, string, math and time
-- functions, a nested JSON path, DECIMAL and CHAR types, and a 'key' option on the sink.
CREATE OR REPLACE STREAM "ORDERS" (
    "id" INTEGER,
    "customer" VARCHAR(20),
    "amount" DECIMAL(8,2),
    "country" CHAR(2),
    "ts" TIMESTAMP PATH '$.meta.ts')
WITH ('topic' = 'orders', 'rowtime' = 'ts');

CREATE OR REPLACE STREAM "BIG_ORDERS" (
    id INTEGER, customer VARCHAR(20), size VARCHAR(6), amount_cents BIGINT, minute TIMESTAMP, code VARCHAR(30))
WITH ('topic' = 'orders.big', 'key' = 'id');

CREATE OR REPLACE PUMP "BIG_ORDERS_PUMP" AS INSERT INTO "BIG_ORDERS"
    SELECT STREAM "id",
                  UPPER(TRIM("customer")),
                  CASE WHEN "amount" >= 100 THEN 'large' ELSE 'medium' END,
                  CAST("amount" * 100 AS BIGINT),
                  FLOOR(o.ROWTIME TO MINUTE),
                  "country" || '-' || CAST(MOD("id", 7) AS VARCHAR(2))
    FROM "ORDERS" AS o
    WHERE "amount" BETWEEN 10 AND 1000 AND "country" IN ('US', 'DE') AND "customer" NOT LIKE 'test%';
