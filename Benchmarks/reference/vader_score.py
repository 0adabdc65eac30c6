#!/usr/bin/env python3
"""Reference scores for Eddy's SENTIMENT parity test, from vaderSentiment 3.3.2.

Input: a file of JSON lines, each a JSON string (one sentence). Output, one JSON object per input
line on stdout: "compound" as vaderSentiment returns it (rounded to 4 decimals) and "exact", the
unrounded neg/neu/pos/compound (obtained by shadowing the module's `round` with the identity, so the
rules run unmodified). Exits 2 with a message on stderr if vaderSentiment is not installed.
"""
import json
import sys

try:
    import vaderSentiment.vaderSentiment as vader
except ImportError as error:
    sys.stderr.write("vader_score.py: vaderSentiment is not installed (pip install vadersentiment==3.3.2): %s\n" % error)
    sys.exit(2)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: vader_score.py CORPUS.jsonl\n")
        sys.exit(64)
    with open(sys.argv[1], encoding="utf-8") as corpus:
        sentences = [json.loads(line) for line in corpus if line.strip()]
    analyzer = vader.SentimentIntensityAnalyzer()
    rounded = [analyzer.polarity_scores(s)["compound"] for s in sentences]
    vader.round = lambda value, digits=None: value
    try:
        exact = [analyzer.polarity_scores(s) for s in sentences]
    finally:
        del vader.round
    out = sys.stdout
    for compound, scores in zip(rounded, exact):
        out.write(json.dumps({"compound": compound, "exact": scores}) + "\n")


if __name__ == "__main__":
    main()
