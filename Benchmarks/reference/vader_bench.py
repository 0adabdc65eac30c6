#!/usr/bin/env python3
"""Times vaderSentiment 3.3.2 on a corpus, for Eddy's SentimentBench (same corpus, same run).

Input: a file of JSON lines, each a JSON string (one sentence). Output: one JSON object with the
sentence count, seconds spent in polarity_scores (lexicon loading excluded), sentences per second
and the sum of compound scores (a checksum the Swift side compares with its own).
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
    if len(sys.argv) != 2:
        sys.stderr.write("usage: vader_bench.py CORPUS.jsonl\n")
        sys.exit(64)
    with open(sys.argv[1], encoding="utf-8") as corpus:
        sentences = [json.loads(line) for line in corpus if line.strip()]
    analyzer = SentimentIntensityAnalyzer()
    score = analyzer.polarity_scores
    started = time.perf_counter()
    checksum = 0.0
    for sentence in sentences:
        checksum += score(sentence)["compound"]
    seconds = time.perf_counter() - started
    print(json.dumps({
        "sentences": len(sentences),
        "seconds": seconds,
        "sentences_per_second": len(sentences) / seconds,
        "compound_sum": checksum,
    }))


if __name__ == "__main__":
    main()
