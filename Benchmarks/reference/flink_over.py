#!/usr/bin/env python3
"""Reference: a sliding RANGE window on Flink SQL (PyFlink), parallelism 1.

The OVER-window equivalent of Eddy's
    AVG(CAST(star_rating AS DOUBLE)) OVER w, COUNT(*) OVER w
    WINDOW w AS (PARTITION BY <key> RANGE INTERVAL '<n>' SECOND PRECEDING)
that is, per input row, the average and count of the rows of its key within the last n seconds of
event time (current row included), one output row per input row:
    ... OVER (PARTITION BY <key> ORDER BY rowtime RANGE BETWEEN INTERVAL 'n' SECOND PRECEDING AND CURRENT ROW)
over a filesystem JSON source (one review message per line) into a blackhole sink. As in
flink_tumbling.py, `event_time` (BIGINT epoch ms) becomes a TIMESTAMP_LTZ(3) rowtime with a
5-second watermark delay, and the query runs only on Flink's JVM side (no Python UDFs).

Timing follows flink_tumbling.py exactly: the JVM and table environment are started once and
counted in nothing; `startup_seconds` is the median of three runs of the same job over the first
100 lines (after one warm-up run); `seconds` is the job over the whole file (median of --repeat
runs); `records_per_second` = records / (seconds - startup_seconds).

Requires `pip install apache-flink` (2.x) and Java 17.

    python3 flink_over.py --input /tmp/reviews.jsonl [--key customer_id] [--range-seconds 10]
prints {"records":N,"seconds":S,"startup_seconds":T,"records_per_second":R} on stdout.
With --check, it also collects the query's rows once (not timed) and verifies there is one per
input record; with FLINK_CHECK_ROWS=FILE set, it writes them there as JSON lines (K, STAR_RATING,
AVG_STAR_RATING, N: the column names of EngineBench's Eddy query) for a cross-check.
"""
import argparse
import json
import os
import sys
import time

import flink_timing

# The partition keys the benchmark uses, with their Flink types.
KEY_TYPES = {"customer_id": "BIGINT", "product_category": "STRING"}

SOURCE_DDL = """
CREATE TEMPORARY TABLE reviews (
    {key} {key_type},
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
CREATE TEMPORARY TABLE moving (
    {key} {key_type},
    star_rating INT,
    avg_star_rating DOUBLE,
    message_count BIGINT
) WITH ('connector' = 'blackhole')
"""

QUERY = """
SELECT {key}, star_rating,
       AVG(CAST(star_rating AS DOUBLE)) OVER w AS avg_star_rating,
       COUNT(*) OVER w AS message_count
FROM reviews
WINDOW w AS (PARTITION BY {key} ORDER BY rowtime
             RANGE BETWEEN INTERVAL '{seconds}' SECOND PRECEDING AND CURRENT ROW)
"""


def create_source(environment, path, key):
    environment.execute_sql("DROP TEMPORARY TABLE IF EXISTS reviews")
    environment.execute_sql(SOURCE_DDL.format(key=key, key_type=KEY_TYPES[key], path=path.replace("'", "''")))


def run_job(environment, path, key, seconds):
    """Runs the query over `path` into the blackhole sink; returns the wall time in seconds."""
    create_source(environment, path, key)
    environment.execute_sql("DROP TEMPORARY TABLE IF EXISTS moving")
    environment.execute_sql(SINK_DDL.format(key=key, key_type=KEY_TYPES[key]))
    started = time.perf_counter()
    environment.execute_sql("INSERT INTO moving " + QUERY.format(key=key, seconds=seconds)).wait()
    return time.perf_counter() - started


def check(environment, path, key, seconds, records):
    """Collects the query's rows: one per record, each counting at least its own row."""
    create_source(environment, path, key)
    rows = 0
    smallest = None
    target = os.environ.get("FLINK_CHECK_ROWS")
    handle = open(target, "w") if target else None
    with environment.execute_sql(QUERY.format(key=key, seconds=seconds)).collect() as results:
        for row in results:
            rows += 1
            smallest = row[3] if smallest is None else min(smallest, row[3])
            if handle:
                handle.write(json.dumps({"K": row[0], "STAR_RATING": row[1], "AVG_STAR_RATING": row[2], "N": row[3]}) + "\n")
    if handle:
        handle.close()
    print(f"flink: {rows} rows for {records} records, smallest count {smallest}", file=sys.stderr)
    return rows == records and (smallest or 0) >= 1


def main():
    parser = argparse.ArgumentParser(description="Flink SQL reference for the sliding RANGE window benchmark")
    parser.add_argument("--input", required=True, help="JSON lines file of review messages")
    parser.add_argument("--key", default="customer_id", choices=sorted(KEY_TYPES), help="the PARTITION BY column")
    parser.add_argument("--range-seconds", type=int, default=10, help="the RANGE interval in seconds")
    parser.add_argument("--check", action="store_true", help="also verify the output rows (not timed)")
    parser.add_argument("--repeat", type=int, default=1, help="time the job this many times and report the median")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.range_seconds < 1:
        parser.error("--range-seconds must be at least 1")
    path = os.path.abspath(args.input)

    def timed(environment, job_path):
        return run_job(environment, job_path, args.key, args.range_seconds)

    def verified(environment, records):
        if check(environment, path, args.key, args.range_seconds, records):
            return True
        print("flink: the OVER window's rows do not match the input", file=sys.stderr)
        return False

    flink_timing.measure(path, args.repeat, timed, verified if args.check else None)


if __name__ == "__main__":
    main()
