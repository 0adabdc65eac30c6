#!/usr/bin/env python3
"""Reference: the benchmark query as a plain Python loop over orjson.

Per product_category, 10-second tumbling windows on event time (`event_time`, epoch ms),
AVG(star_rating) and COUNT(*). It behaves like the streaming engine: the watermark is the
largest event time seen minus the lateness, a window's rows are emitted (encoded with orjson)
when the watermark passes its end, and everything still open is emitted at the end of input.
Records missing a field or with the wrong type are counted as errors, not dropped silently.

The input lines are read into memory first and the timed part is the loop alone, like the
engine benchmark, which starts from pre-serialized messages in memory. Start-up (interpreter,
imports, reading the file) is not in `seconds`; `startup_seconds` is therefore 0.

    python3 orjson_loop.py --input /tmp/reviews.jsonl
With --repeat N the loop is timed N times and `seconds` is the median.
Prints {"records":N,"seconds":S,"startup_seconds":0.0,"records_per_second":R} on stdout
(and a summary of the output rows on stderr).
"""
import argparse
import json
import statistics
import sys
import time

import orjson

WINDOW_MS = 10_000


def run(lines, lateness_ms):
    loads = orjson.loads
    dumps = orjson.dumps
    open_windows = {}  # window_start -> {category: [sum, count]}
    emitted = []
    errors = 0
    watermark = -(1 << 62)
    max_event_time = watermark
    next_fire = None  # smallest open window end
    for line in lines:
        try:
            record = loads(line)
            category = record["product_category"]
            rating = record["star_rating"]
            event_time = record["event_time"]
            if type(rating) is not int or type(event_time) is not int or type(category) is not str:
                errors += 1
                continue
        except (orjson.JSONDecodeError, KeyError, TypeError):
            errors += 1
            continue
        start = event_time - event_time % WINDOW_MS
        if start + WINDOW_MS <= watermark:
            errors += 1  # late row
            continue
        groups = open_windows.get(start)
        if groups is None:
            groups = open_windows[start] = {}
            if next_fire is None or start + WINDOW_MS < next_fire:
                next_fire = start + WINDOW_MS
        state = groups.get(category)
        if state is None:
            groups[category] = [rating, 1]
        else:
            state[0] += rating
            state[1] += 1
        if event_time > max_event_time:
            max_event_time = event_time
            watermark = max_event_time - lateness_ms
            if next_fire is not None and watermark >= next_fire:
                next_fire = fire(open_windows, watermark, emitted, dumps)
    fire(open_windows, 1 << 62, emitted, dumps)
    return emitted, errors


def fire(open_windows, watermark, emitted, dumps):
    """Emit every window whose end is at or before the watermark; return the next window end."""
    for start in sorted(open_windows):
        if start + WINDOW_MS > watermark:
            return start + WINDOW_MS
        groups = open_windows.pop(start)
        for category in sorted(groups):
            total, count = groups[category]
            emitted.append(dumps({
                "PRODUCT_CATEGORY": category,
                "WINDOW_START": start,
                "AVG_STAR_RATING": total / count,
                "MESSAGE_COUNT": count,
            }))
    return None


def main():
    parser = argparse.ArgumentParser(description="orjson reference loop for the tumbling-window benchmark")
    parser.add_argument("--input", required=True, help="JSON lines file of review messages")
    parser.add_argument("--lateness-ms", type=int, default=5_000)
    parser.add_argument("--rows-out", help="also write the output rows (JSON lines) to this file")
    parser.add_argument("--repeat", type=int, default=1, help="time the loop this many times and report the median")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    with open(args.input, "rb") as handle:
        lines = [line for line in handle.read().split(b"\n") if line.strip()]
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        emitted, errors = run(lines, args.lateness_ms)
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    counted = sum(orjson.loads(row)["MESSAGE_COUNT"] for row in emitted)
    if args.rows_out:
        with open(args.rows_out, "wb") as handle:
            for row in emitted:
                handle.write(row + b"\n")
    print(f"orjson: {len(emitted)} window rows covering {counted} records, {errors} errors/late", file=sys.stderr)
    print(json.dumps({
        "records": len(lines),
        "seconds": round(seconds, 4),
        "startup_seconds": 0.0,
        "records_per_second": round(len(lines) / seconds),
    }))


if __name__ == "__main__":
    main()
