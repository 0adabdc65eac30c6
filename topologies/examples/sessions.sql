-- Fan-out from one source: stagger windows (a 30-second window per user, opened by the user's
-- first click) and the table function TOP_K_ITEMS_TUMBLING over a CURSOR.
CREATE OR REPLACE STREAM "CLICKS" ("user" VARCHAR(16), "page" VARCHAR(32), "t" BIGINT)
WITH ('topic' = 'clicks', 'rowtime' = 't', 'lateness' = '2 SECONDS');

CREATE OR REPLACE STREAM "SESSIONS" (user_id VARCHAR(16), session_end TIMESTAMP, clicks BIGINT, first_page VARCHAR(32), last_page VARCHAR(32))
WITH ('topic' = 'clicks.sessions');

CREATE OR REPLACE PUMP "SESSIONS_PUMP" AS INSERT INTO "SESSIONS"
    SELECT STREAM "user", ROWTIME, COUNT(*), FIRST_VALUE("page"), LAST_VALUE("page")
    FROM "CLICKS"
    WINDOWED BY STAGGER (PARTITION BY "user" RANGE INTERVAL '30' SECOND);

CREATE OR REPLACE STREAM "TOP_PAGES" (page VARCHAR(32), views BIGINT)
WITH ('topic' = 'clicks.top_pages');

CREATE OR REPLACE PUMP "TOP_PAGES_PUMP" AS INSERT INTO "TOP_PAGES"
    SELECT STREAM ITEM, ITEM_COUNT
    FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM "page" FROM "CLICKS"), 'page', 2, 60));
