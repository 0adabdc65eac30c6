#!/usr/bin/env python3
"""Reference: the benchmark query on Flink SQL (PyFlink), parallelism 1.

Per product_category, 10-second tumbling windows on event time, AVG(star_rating) and COUNT(*),
over a filesystem JSON source (one review message per line), into a blackhole sink. The source
maps `event_time` (BIGINT epoch ms) to a TIMESTAMP_LTZ(3) rowtime with a 5-second watermark
delay, the lateness Eddy's reviews topology uses. The query runs only on Flink's JVM side (no
Python UDFs), so Python adds nothing per record.

Timing: `seconds` is the wall time of the job over the input file, from submission to the end
of the job. `startup_seconds` is Flink's fixed cost per job (planning, job graph, mini-cluster
task deployment, shutdown), measured as the same job over a tiny file (the first 100 lines)
right before; the JVM and the table environment are started once, before both, and counted in
neither. `records_per_second` = records / (seconds - startup_seconds). The tiny job runs once
to warm up (class loading, planner JIT, which the big job then does not pay either) and then
three times; start-up is the median of those three, as single runs vary by a second under load.

Requires `pip install apache-flink` (2.x) and Java 17 (JAVA_HOME or `java` on PATH).

    python3 flink_tumbling.py --input /tmp/reviews.jsonl
prints {"records":N,"seconds":S,"startup_seconds":T,"records_per_second":R} on stdout.
With --repeat N, the full job is timed N times and `seconds` is the median (single runs vary a
lot on a loaded machine). With --check, it also runs the query once more collecting its rows, and verifies that the
window counts add up to the number of records (not timed).
"""
import argparse
import json
import os
import sys
import time

import flink_timing

SOURCE_DDL = """
CREATE TEMPORARY TABLE reviews (
    product_category STRING,
    star_rating INT,
    event_time BIGINT,
    rowtime AS TO_TIMESTAMP_LTZ(event_time, 3),
    WATERMARK FOR rowtime AS rowtime - INTERVAL '5' SECOND
) WITH (
    'connector' = 'filesystem',
    'path' = '{path}',
    'format' = 'json'
)
"""

SINK_DDL = """
CREATE TEMPORARY TABLE avg_star_rating (
    product_category STRING,
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    avg_star_rating DOUBLE,
    message_count BIGINT
) WITH ('connector' = 'blackhole')
"""

QUERY = """
SELECT product_category, window_start, window_end,
       AVG(CAST(star_rating AS DOUBLE)) AS avg_star_rating,
       COUNT(*) AS message_count
FROM TABLE(TUMBLE(TABLE reviews, DESCRIPTOR(rowtime), INTERVAL '10' SECOND))
GROUP BY product_category, window_start, window_end
"""


def run_job(environment, path):
    """Runs the query over `path` into the blackhole sink; returns the wall time in seconds."""
    environment.execute_sql("DROP TEMPORARY TABLE IF EXISTS reviews")
    environment.execute_sql("DROP TEMPORARY TABLE IF EXISTS avg_star_rating")
    environment.execute_sql(SOURCE_DDL.format(path=path.replace("'", "''")))
    environment.execute_sql(SINK_DDL)
    started = time.perf_counter()
    environment.execute_sql("INSERT INTO avg_star_rating " + QUERY).wait()
    return time.perf_counter() - started


def check(environment, path, records):
    """Collects the query's rows and verifies the window counts add up to `records`."""
    environment.execute_sql("DROP TEMPORARY TABLE IF EXISTS reviews")
    environment.execute_sql(SOURCE_DDL.format(path=path.replace("'", "''")))
    rows = []
    with environment.execute_sql(QUERY).collect() as results:
        for row in results:
            rows.append({
                "PRODUCT_CATEGORY": row[0],
                "WINDOW_START": int(row[1].timestamp() * 1000) if hasattr(row[1], "timestamp") else str(row[1]),
                "AVG_STAR_RATING": row[3],
                "MESSAGE_COUNT": row[4],
            })
    counted = sum(row["MESSAGE_COUNT"] for row in rows)
    print(f"flink: {len(rows)} window rows covering {counted} of {records} records", file=sys.stderr)
    if os.environ.get("FLINK_CHECK_ROWS"):
        with open(os.environ["FLINK_CHECK_ROWS"], "w") as handle:
            for row in sorted(rows, key=lambda r: (r["WINDOW_START"], r["PRODUCT_CATEGORY"])):
                handle.write(json.dumps(row) + "\n")
    return counted == records


def main():
    parser = argparse.ArgumentParser(description="Flink SQL reference for the tumbling-window benchmark")
    parser.add_argument("--input", required=True, help="JSON lines file of review messages")
    parser.add_argument("--check", action="store_true", help="also verify the output counts (not timed)")
    parser.add_argument("--repeat", type=int, default=1, help="time the job this many times and report the median")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    path = os.path.abspath(args.input)

    def verified(environment, records):
        if check(environment, path, records):
            return True
        print("flink: window counts do not add up to the input", file=sys.stderr)
        return False

    flink_timing.measure(path, args.repeat, run_job, verified if args.check else None)


if __name__ == "__main__":
    main()
