"""The timing harness both Flink SQL references share (flink_tumbling.py, flink_over.py).

The JVM and the table environment are started once and counted in nothing. `startup_seconds` is
Flink's fixed cost per job (planning, job graph, mini-cluster task deployment, shutdown): the
median of three runs of the same job over the input's first 100 lines, after one warm-up run
(class loading, planner JIT, which the big job then does not pay either). `seconds` is the median
of `repeat` runs over the whole file. `records_per_second` = records / (seconds - startup_seconds).
The result is printed as one JSON object on stdout, which the Swift benchmarks read.
"""
import json
import os
import statistics
import sys
import tempfile
import time


def make_environment():
    """A streaming table environment with parallelism 1 (one core, as Eddy's engine thread)."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    environment = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = environment.get_config()
    config.set("parallelism.default", "1")
    config.set("table.exec.resource.default-parallelism", "1")
    return environment


def count_records(path):
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def measure(path, repeat, run_job, check=None):
    """Times `run_job(environment, path)` (which returns its wall time in seconds) as described
    above and prints the JSON result. With `check`, calls `check(environment, records)` once after
    the timing (not timed) and exits 1 when it returns False."""
    path = os.path.abspath(path)
    records = count_records(path)
    with tempfile.TemporaryDirectory(prefix="flink-startup-") as directory:
        tiny = os.path.join(directory, "tiny.jsonl")
        with open(path, "rb") as source, open(tiny, "wb") as target:
            for _ in range(100):
                line = source.readline()
                if not line:
                    break
                target.write(line)
        launched = time.perf_counter()
        environment = make_environment()
        print(f"flink: JVM and table environment up in {time.perf_counter() - launched:.2f} s", file=sys.stderr)
        run_job(environment, tiny)  # warm-up
        startup = statistics.median(run_job(environment, tiny) for _ in range(3))
        seconds = statistics.median(run_job(environment, path) for _ in range(repeat))
        if check is not None and not check(environment, records):
            sys.exit(1)

    processing = max(seconds - startup, 1e-9)
    print(json.dumps({
        "records": records,
        "seconds": round(seconds, 4),
        "startup_seconds": round(startup, 4),
        "records_per_second": round(records / processing),
    }))
