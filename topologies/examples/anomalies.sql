-- Anomaly detection in SQL: a seeded RANDOM_CUT_FOREST_WITH_EXPLANATION per sensor, ANOMALY_ALERTS
-- on its scores (raw JSON alerts), and HOTSPOTS over the readings.
CREATE OR REPLACE STREAM "READINGS" ("sensor" VARCHAR(8), "temperature" DOUBLE, "humidity" DOUBLE, "ts" BIGINT)
WITH ('topic' = 'readings', 'rowtime' = 'ts');

-- Small forests so the golden output is short: 10 trees, 16 samples; scores are 0 for each
-- sensor's first 16 readings (the sample fills), then ~1 for usual readings and higher for unusual ones.
CREATE OR REPLACE STREAM "SCORED" (sensor VARCHAR(8), temperature DOUBLE, humidity DOUBLE, score DOUBLE, explanation VARCHAR(1024));

CREATE OR REPLACE PUMP "SCORE_PUMP" AS
    INSERT INTO "SCORED"
    SELECT STREAM "sensor", "temperature", "humidity", ANOMALY_SCORE, ANOMALY_EXPLANATION
    FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(
        CURSOR(SELECT STREAM "sensor", "temperature", "humidity" FROM "READINGS"),
        10, 16, 1000, 1, true, 'PARTITION_BY=sensor, SEED=1'));

-- Alerts when a sensor's score exceeds mean + 3σ of its recent scores (after 8 scores), one per 60 s.
CREATE OR REPLACE STREAM "SENSOR_ALERTS" (alert_key VARCHAR(64), alert VARCHAR(8192));

CREATE OR REPLACE PUMP "ALERT_PUMP" AS
    INSERT INTO "SENSOR_ALERTS"
    SELECT STREAM ALERT_KEY, ALERT
    FROM TABLE(ANOMALY_ALERTS(
        CURSOR(SELECT STREAM "SENSOR", "TEMPERATURE", "HUMIDITY", "SCORE", "EXPLANATION" FROM "SCORED" WHERE "SCORE" > 0),
        'SCORE', 'SENSOR', 3, 60, 'KIND=sensor_anomaly, WARM_UP=8, EXPLANATION=EXPLANATION'));

ALTER STREAM "SCORED" SET ('topic' = 'readings.scored');
ALTER STREAM "SENSOR_ALERTS" SET ('topic' = 'alerts.readings', 'format' = 'raw', 'key' = 'alert_key');
