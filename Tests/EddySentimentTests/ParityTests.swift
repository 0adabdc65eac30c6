import EddySentiment
import Foundation
import PythonReference
import Testing

/// The parity requirement: on ≥ 5,000 varied sentences covering every rule, Eddy's compound
/// score equals vaderSentiment 3.3.2's within 1e-3 for at least 99 % of them.
@Suite struct ParityTests {
    struct ReferenceScores: Decodable {
        struct Exact: Decodable {
            let neg: Double
            let neu: Double
            let pos: Double
            let compound: Double
        }
        /// As vaderSentiment returns it (rounded to 4 decimals).
        let compound: Double
        /// The same rules with rounding disabled.
        let exact: Exact
    }

    static let sentences = SentimentCorpus.parity(count: 6_000, seed: 2014)

    /// Every rule vader_rule_coverage.py can observe, each of which must change scores in the corpus.
    static let rules = [
        "at_least_or_very_least", "booster", "but_shift", "caps_booster", "caps_emphasis", "dampener",
        "dampener_bigram", "emoji", "emoticon", "exclamation_emphasis", "kind_of_skipped", "least_negation",
        "near_saturation", "negation_1_back", "negation_2_back", "negation_3_back", "negation_contraction",
        "never_so_this", "no_before_lexicon_word", "no_negation", "question_emphasis",
        "short_token_keeps_punctuation", "so_this_intensifier", "special_idiom", "without_doubt",
    ]

    @Test func corpusExercisesEveryRule() throws {
        #expect(Self.sentences.count >= 5_000)
        let corpus = try PythonReference.writeJSONLines(Self.sentences, prefix: "eddy-sentiment")
        defer { try? FileManager.default.removeItem(at: corpus) }
        let output = try PythonReference.run("vader_rule_coverage.py", [corpus.path])
        let counts = try JSONDecoder().decode([String: Int].self, from: output)
        print("SENTIMENT parity corpus, sentences per rule: \(counts.sorted { $0.key < $1.key })")
        for rule in Self.rules {
            #expect(counts[rule, default: 0] >= 10, "rule \(rule) changes only \(counts[rule, default: 0]) sentences")
        }
    }

    @Test func compoundMatchesVaderSentimentOnTheParityCorpus() throws {
        let sentences = Self.sentences
        let corpus = try PythonReference.writeJSONLines(sentences, prefix: "eddy-sentiment")
        defer { try? FileManager.default.removeItem(at: corpus) }
        let output = try PythonReference.run("vader_score.py", [corpus.path])
        let decoder = JSONDecoder()
        let references = try output.split(separator: 0x0A).map { try decoder.decode(ReferenceScores.self, from: Data($0)) }
        try #require(references.count == sentences.count, "reference returned \(references.count) rows for \(sentences.count) sentences")

        let scorer = try SentimentScorer.shared()
        var withinTolerance = 0
        var exactMatches = 0
        var failures: [String] = []
        for (sentence, reference) in zip(sentences, references) {
            let scores = scorer.polarityScores(sentence)
            if abs(scores.compound - reference.compound) <= 1e-3 { withinTolerance += 1 }
            let exact = reference.exact
            let sameToTheBit = abs(scores.compound - exact.compound) <= 1e-12 && abs(scores.positive - exact.pos) <= 1e-12
                && abs(scores.negative - exact.neg) <= 1e-12 && abs(scores.neutral - exact.neu) <= 1e-12
            if sameToTheBit {
                exactMatches += 1
            } else {
                failures.append("\(sentence.debugDescription): eddy \(scores) vader \(exact)")
            }
        }
        let share = Double(withinTolerance) / Double(sentences.count)
        print("SENTIMENT parity: \(withinTolerance)/\(sentences.count) (\(share * 100) %) within 1e-3; \(exactMatches) identical in all four scores")
        #expect(share >= 0.99, "only \(withinTolerance)/\(sentences.count) within 1e-3; \(failures.count) differ, e.g.:\n\(failures.prefix(8).joined(separator: "\n"))")
        #expect(failures.isEmpty, "\(failures.count) sentences differ from vaderSentiment beyond 1e-12, e.g.:\n\(failures.prefix(8).joined(separator: "\n"))")
    }
}
