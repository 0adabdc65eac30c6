#!/usr/bin/env python3
"""Apache DataSketches HLL reference for SketchBench.

For each seed, streams n distinct 64-bit keys (SplitMix64 of the seed: key i is
mix(seed + (i + 1) * 0x9E3779B97F4A7C15), the same keys Eddy's bench feeds its HyperLogLog) into an
HLL_8 sketch (one byte per register, the same memory as Eddy's dense sketch) and records the relative
error at each checkpoint and the time per update. Prints one JSON object.

  hll_reference.py --lg-k 12 --seeds 0,1,2,3 --checkpoints 10000,31623,100000,316228,1000000

Exit status 3 when datasketches is missing.
"""
import argparse
import json
import sys
import time

import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix_keys(seed, count):
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, count + 1, dtype=np.uint64) * GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z.view(np.int64).tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lg-k", type=int, required=True)
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--checkpoints", default="10000,31623,100000,316228,1000000")
    args = parser.parse_args()
    try:
        import datasketches
    except ImportError as error:
        print(f"datasketches is not installed ({error}); run scripts/setup", file=sys.stderr)
        sys.exit(3)
    checkpoints = [int(c) for c in args.checkpoints.split(",")]
    errors = []
    by_checkpoint = {}
    updates = 0
    elapsed = 0.0
    for seed in (int(s) for s in args.seeds.split(",")):
        keys = splitmix_keys(seed, checkpoints[-1])
        sketch = datasketches.hll_sketch(args.lg_k, datasketches.tgt_hll_type.HLL_8)
        done = 0
        for checkpoint in checkpoints:
            chunk = keys[done:checkpoint]
            update = sketch.update
            start = time.thread_time()
            for key in chunk:
                update(key)
            elapsed += time.thread_time() - start
            updates += len(chunk)
            done = checkpoint
            errors.append(abs(sketch.get_estimate() - checkpoint) / checkpoint)
            by_checkpoint.setdefault(checkpoint, []).append(errors[-1])
    json.dump({
        "lg_k": args.lg_k,
        "ns_per_update": elapsed / updates * 1e9,
        "mean_abs_relative_error": sum(errors) / len(errors),
        "mean_abs_relative_error_by_n": {str(n): sum(e) / len(e) for n, e in by_checkpoint.items()},
        "sketch_bytes": datasketches.hll_sketch.get_max_updatable_serialization_bytes(
            args.lg_k, datasketches.tgt_hll_type.HLL_8),
    }, sys.stdout)


if __name__ == "__main__":
    main()
