#!/usr/bin/env python3
"""Counts, per VADER rule, how many sentences of a corpus make that rule change a score.

Used by Eddy's parity test to prove the corpus "covers every rule". The vaderSentiment module is
instrumented by wrapping its rule functions (their results are returned unchanged); input is the same
JSON-lines corpus as vader_score.py, output one JSON object {rule: sentence count}.
"""
import json
import string
import sys

try:
    import vaderSentiment.vaderSentiment as vader
except ImportError as error:
    sys.stderr.write("vader_rule_coverage.py: vaderSentiment is not installed (pip install vadersentiment==3.3.2): %s\n" % error)
    sys.exit(2)

fired = set()


def wrap_static(name, observe):
    original = getattr(vader.SentimentIntensityAnalyzer, name)

    def wrapper(*args):
        result = original(*args)
        observe(args, result)
        return result

    setattr(vader.SentimentIntensityAnalyzer, name, staticmethod(wrapper))


def on_negation(args, result):
    valence, words, start_i, i = args
    lower = [w.lower() for w in words]
    if result == valence:
        if start_i >= 1 and lower[i - start_i - 1] == "without" and "doubt" in lower[i - start_i:i]:
            fired.add("without_doubt")
        return
    if abs(result - valence * 1.25) < 1e-12 and valence != 0:
        fired.add("never_so_this" if "never" in lower[max(0, i - 3):i] else "so_this_intensifier")
    else:
        fired.add("negation_%d_back" % (start_i + 1))
        if "n't" in lower[i - start_i - 1]:
            fired.add("negation_contraction")


def on_idioms(args, result):
    valence, words, i = args
    if result != valence:
        lower = [w.lower() for w in words]
        if " ".join(lower[i - 3:i]) in ("kind of", "sort of", "just enough") or any(
                " ".join(lower[k:k + 2]) in ("kind of", "sort of", "just enough") for k in range(i - 3, i - 1)):
            fired.add("dampener_bigram")
        if any(" ".join(lower[a:b]) in vader.SPECIAL_CASES for a in range(i - 3, i + 1) for b in range(a + 2, a + 4)):
            fired.add("special_idiom")


def on_but(args, result):
    words, sentiments = args
    if "but" in [w.lower() for w in words] and any(s != 0 for s in sentiments):
        fired.add("but_shift")


wrap_static("_negation_check", on_negation)
wrap_static("_special_idioms_check", on_idioms)
wrap_static("_but_check", on_but)

original_least = vader.SentimentIntensityAnalyzer._least_check


def least(self, valence, words, i):
    result = original_least(self, valence, words, i)
    if i > 0 and words[i - 1].lower() == "least":
        fired.add("least_negation" if result != valence else "at_least_or_very_least")
    return result


vader.SentimentIntensityAnalyzer._least_check = least

original_scalar = vader.scalar_inc_dec


def scalar(word, valence, is_cap_diff):
    result = original_scalar(word, valence, is_cap_diff)
    if result != 0:
        fired.add("booster" if vader.BOOSTER_DICT[word.lower()] > 0 else "dampener")
        if word.isupper() and is_cap_diff:
            fired.add("caps_booster")
    return result


vader.scalar_inc_dec = scalar

original_valence = vader.SentimentIntensityAnalyzer.sentiment_valence


def valence_rule(self, valence, sentitext, item, i, sentiments):
    words = sentitext.words_and_emoticons
    lower = item.lower()
    if lower in self.lexicon:
        if item.isupper() and sentitext.is_cap_diff:
            fired.add("caps_emphasis")
        if lower == "no" and i != len(words) - 1 and words[i + 1].lower() in self.lexicon:
            fired.add("no_before_lexicon_word")
        if (i > 0 and words[i - 1].lower() == "no") or (i > 1 and words[i - 2].lower() == "no"):
            fired.add("no_negation")
        if not any(c.isalpha() for c in item):
            fired.add("emoticon")
    return original_valence(self, valence, sentitext, item, i, sentiments)


vader.SentimentIntensityAnalyzer.sentiment_valence = valence_rule


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: vader_rule_coverage.py CORPUS.jsonl\n")
        sys.exit(64)
    with open(sys.argv[1], encoding="utf-8") as corpus:
        sentences = [json.loads(line) for line in corpus if line.strip()]
    analyzer = vader.SentimentIntensityAnalyzer()
    counts = {}
    for sentence in sentences:
        fired.clear()
        scores = analyzer.polarity_scores(sentence)
        if any(ch in analyzer.emojis for ch in sentence):
            fired.add("emoji")
        tokens = vader.SentiText(sentence).words_and_emoticons
        if any(t.lower() == "kind" and n.lower() == "of" for t, n in zip(tokens, tokens[1:])):
            fired.add("kind_of_skipped")
        if scores["compound"] != 0 and "!" in sentence:
            fired.add("exclamation_emphasis")
        if scores["compound"] != 0 and sentence.count("?") > 1:
            fired.add("question_emphasis")
        if any(t != t.strip(string.punctuation) and len(t.strip(string.punctuation)) <= 2 for t in sentence.split()):
            fired.add("short_token_keeps_punctuation")
        if abs(scores["compound"]) > 0.99:
            fired.add("near_saturation")
        for rule in fired:
            counts[rule] = counts.get(rule, 0) + 1
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    main()
