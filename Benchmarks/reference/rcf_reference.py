#!/usr/bin/env python3
"""Reference Random Cut Forest runs for Eddy's parity tests and SketchBench.

Reads records (one per line, comma-separated floats) from a file and prints one JSON object.

  scores: per seed, krcf's score-then-update anomaly score for every record.
      rcf_reference.py scores FILE --dimensions D --shingle S --trees T --samples N
                       --time-decay L --output-after K --seeds 1,2,3
  bench:  points/s of krcf and jrcf (AWS's Java RCF through JPype) on the same records,
          score-then-update per record, plus the serialized forest size in bytes. Timed in CPU time
          of the calling thread (time.thread_time), as Eddy's bench times itself, because the
          machine is shared; jrcf gets a warm-up pass first so the JIT has compiled the hot code.
          Each implementation runs --runs times on fresh forests and the fastest run counts.
      rcf_reference.py bench FILE --dimensions D --shingle S --trees T --samples N
                       --time-decay L --output-after K --seeds 1 [--keyed] [--explain]
      --keyed: each record's first value is a key; one forest per key (seeded seed + key), the
      rest of the record are the features (Eddy's PARTITION_BY). --explain: the attribution
      (krcf `attribution`, jrcf `getAnomalyAttribution`, whose total is the score) instead of the
      score, then the update, as RANDOM_CUT_FOREST_WITH_EXPLANATION needs.

Exit status 3 with a message on stderr when a reference package is missing.
"""
import argparse
import json
import sys
import time


def read_records(path):
    with open(path) as handle:
        return [[float(v) for v in line.split(",")] for line in handle if line.strip()]


def krcf_forest(args, seed):
    import krcf
    return krcf.RandomCutForest({
        # krcf takes the input dimension and multiplies by the shingle size itself.
        "dimensions": args.dimensions,
        "shingle_size": args.shingle,
        "num_trees": args.trees,
        "sample_size": args.samples,
        "output_after": args.output_after,
        "random_seed": seed,
        "lambda": args.time_decay,
        "internal_shingling": True,
        "parallel_execution_enabled": False,
    })


def krcf_scores(args, records, seed):
    forest = krcf_forest(args, seed)
    scores = []
    for record in records:
        scores.append(forest.score(record))
        forest.update(record)
    return scores


def jrcf_forest(args, seed):
    # Build AWS's Java forest directly (jrcf's wrapper also enables centre-of-mass and sequence
    # indexes, which would slow it down for features nobody uses here).
    import jrcf.rcf  # starts the JVM and exposes the Java classes
    builder = (
        jrcf.rcf.RandomCutForest.builder()
        .numberOfTrees(args.trees)
        .sampleSize(args.samples)
        .dimensions(args.dimensions * args.shingle)
        .shingleSize(args.shingle)
        .internalShinglingEnabled(True)
        .timeDecay(args.time_decay)
        .outputAfter(args.output_after)
        .parallelExecutionEnabled(False)
        .randomSeed(seed)
    )
    return builder.build()


def best_of(runs, timed):
    """Runs `timed` (which returns (seconds, forest, checksum)) `runs` times; keeps the fastest."""
    best = None
    for _ in range(runs):
        result = timed()
        if best is None or result[0] < best[0]:
            best = result
    return best


def bench(args, records):
    seed = int(args.seeds.split(",")[0])
    result = {}
    if args.keyed:
        keys = [int(record[0]) for record in records]
        records = [record[1:] for record in records]
    else:
        keys = [0] * len(records)
    key_count = max(keys) + 1

    def timed_krcf():
        forests = [krcf_forest(args, seed + key) for key in range(key_count)]
        start = time.thread_time()
        checksum = 0.0
        if args.explain:
            for key, record in zip(keys, records):
                forest = forests[key]
                attribution = forest.attribution(record)
                checksum += sum(attribution["high"]) + sum(attribution["low"])
                forest.update(record)
        else:
            for key, record in zip(keys, records):
                forest = forests[key]
                checksum += forest.score(record)
                forest.update(record)
        return time.thread_time() - start, forests, checksum

    elapsed, forests, checksum = best_of(args.runs, timed_krcf)
    result["krcf"] = {
        "points_per_second": len(records) / elapsed,
        "forest_bytes": sum(len(forest.to_msgpack()) for forest in forests),
        "bytes_kind": "msgpack snapshot",
        "score_sum": checksum,
    }
    try:
        import jrcf.rcf  # noqa: F401  (starts the JVM before any Java type is used)
        from jpype.types import JArray, JDouble
        java_records = [JArray(JDouble)(record) for record in records]
        warm = jrcf_forest(args, seed + 1)
        for record in java_records[: min(len(java_records), 5000)]:
            if args.explain:
                warm.getAnomalyAttribution(record)
            else:
                warm.getAnomalyScore(record)
            warm.update(record)

        def timed_jrcf():
            forests = [jrcf_forest(args, seed + key) for key in range(key_count)]
            start = time.thread_time()
            checksum = 0.0
            if args.explain:
                for key, record in zip(keys, java_records):
                    forest = forests[key]
                    checksum += forest.getAnomalyAttribution(record).getHighLowSum()
                    forest.update(record)
            else:
                for key, record in zip(keys, java_records):
                    forest = forests[key]
                    checksum += forest.getAnomalyScore(record)
                    forest.update(record)
            return time.thread_time() - start, forests, checksum

        elapsed, forests, checksum = best_of(args.runs, timed_jrcf)
        import jrcf.rcf
        mapper = jrcf.rcf.RandomCutForestMapper()
        mapper.setSaveExecutorContextEnabled(True)
        state_bytes = sum(len(str(jrcf.rcf.ObjectMapper().writeValueAsString(mapper.toState(forest)))) for forest in forests)
        result["jrcf"] = {
            "points_per_second": len(records) / elapsed,
            "forest_bytes": state_bytes,
            "bytes_kind": "JSON state",
            "score_sum": checksum,
        }
    except ImportError as error:
        result["jrcf"] = {"error": f"jrcf unavailable: {error}"}
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["scores", "bench"])
    parser.add_argument("file")
    parser.add_argument("--dimensions", type=int, required=True)
    parser.add_argument("--shingle", type=int, default=1)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--time-decay", type=float, default=None)
    parser.add_argument("--output-after", type=int, default=None)
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--runs", type=int, default=3, help="bench: timed runs per implementation; the fastest counts")
    parser.add_argument("--keyed", action="store_true", help="bench: first value of each record is a forest key")
    parser.add_argument("--explain", action="store_true", help="bench: attribution instead of score")
    args = parser.parse_args()
    if args.time_decay is None:
        args.time_decay = 1.0 / (10 * args.samples)
    if args.output_after is None:
        args.output_after = args.samples
    try:
        import krcf  # noqa: F401
    except ImportError as error:
        print(f"krcf is not installed ({error}); run scripts/setup", file=sys.stderr)
        sys.exit(3)
    records = read_records(args.file)
    if args.mode == "scores":
        out = {"seeds": {seed: krcf_scores(args, records, int(seed)) for seed in args.seeds.split(",")}}
    else:
        out = bench(args, records)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
