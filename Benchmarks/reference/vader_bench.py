#!/usr/bin/env python3
"""Times vaderSentiment 3.3.2 on a corpus, for Eddy's SentimentBench (same corpus, same run).

Input: a file of JSON lines, each a JSON string (one sentence), and optionally the number of timed
passes (default 3; the fastest counts, as on the Swift side). Output: one JSON object with the
sentence count, seconds of the fastest pass of polarity_scores (lexicon loading excluded), sentences
per second and the sum of compound scores (a checksum the Swift side compares with its own).
"""
import json
import sys
import time

try:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
except ImportError as error:
    sys.stderr.write("vader_bench.py: vaderSentiment is not installed (pip install vadersentiment==3.3.2): %s\n" % error)
    sys.exit(2)


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: vader_bench.py CORPUS.jsonl [PASSES]\n")
        sys.exit(64)
    passes = int(sys.argv[2]) if len(sys.argv) == 3 else 3
    with open(sys.argv[1], encoding="utf-8") as corpus:
        sentences = [json.loads(line) for line in corpus if line.strip()]
    analyzer = SentimentIntensityAnalyzer()
    score = analyzer.polarity_scores
    seconds = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        checksum = 0.0
        for sentence in sentences:
            checksum += score(sentence)["compound"]
        seconds = min(seconds, time.perf_counter() - started)
    print(json.dumps({
        "sentences": len(sentences),
        "seconds": seconds,
        "sentences_per_second": len(sentences) / seconds,
        "compound_sum": checksum,
    }))


if __name__ == "__main__":
    main()
