import EddyCore

/// Seeded sentence generators for the VADER parity test and the sentiment benchmark. Both Eddy and
/// the Python reference score the same generated sentences.
///
/// `parity` aims at coverage: every VADER rule (boosters and dampeners, ALL CAPS, negations up to
/// three words back, "no", "never so", "without doubt", "least", "but", "kind of", idioms, `!`/`?`,
/// emoji, emoticons), plus the tokenizer's edge cases (punctuation at word edges, two-character
/// tokens, Unicode whitespace and case mapping, emoji glued to words). `reviews` aims at realism:
/// product-review sentences, mostly ASCII, as the reviews pipeline sees them.
public enum SentimentCorpus {
    /// `count` varied sentences covering every rule; the same `seed` gives the same sentences.
    public static func parity(count: Int, seed: UInt64) -> [String] {
        var generator = CorpusGenerator(seed: seed)
        var sentences: [String] = []
        sentences.reserveCapacity(count)
        // Every hand-written probe appears at least once, unmodified.
        for probe in CorpusWords.probes.prefix(count) { sentences.append(probe) }
        while sentences.count < count {
            switch generator.int(100) {
            case 0 ..< 8: sentences.append(generator.mutatedProbe())
            case 8 ..< 35: sentences.append(generator.review())
            case 35 ..< 37: sentences.append(generator.pick(CorpusWords.degenerate))
            case 37 ..< 40: sentences.append(generator.paragraph())
            case 40 ..< 43: sentences.append(generator.noise())
            default: sentences.append(generator.randomComposition())
            }
        }
        return sentences
    }

    /// `count` review bodies of two to eight review sentences each (for throughput on long texts).
    public static func reviewBodies(count: Int, seed: UInt64) -> [String] {
        var generator = CorpusGenerator(seed: seed)
        return (0 ..< count).map { _ in (0 ..< 2 + generator.int(7)).map { _ in generator.review() }.joined(separator: " ") }
    }

    /// `count` product-review sentences (for throughput measurements).
    public static func reviews(count: Int, seed: UInt64) -> [String] {
        var generator = CorpusGenerator(seed: seed)
        return (0 ..< count).map { _ in generator.review() }
    }
}

/// SplitMix64 plus the sentence-building moves. Uses only `next()` and its own arithmetic (no
/// `random(in:using:)`), so a seed means the same corpus on every platform and Swift version.
struct CorpusGenerator {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Uniform in 0 ..< bound (bound > 0; the modulo bias is irrelevant here).
    mutating func int(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }

    mutating func pick(_ words: [String]) -> String { words[int(words.count)] }

    mutating func mutatedProbe() -> String {
        var sentence = pick(CorpusWords.probes)
        if chance(30) { sentence = sentence.uppercased() }
        if chance(40) { sentence += pick(CorpusWords.endings) }
        if chance(20) { sentence = pick(CorpusWords.emoji) + " " + sentence }
        return sentence
    }

    /// A sequence of 1–16 words drawn from every category, each possibly cased or punctuated.
    mutating func randomComposition() -> String {
        let wordCount = 1 + int(16)
        var sentence = ""
        for position in 0 ..< wordCount {
            var word = categoryWord()
            switch int(100) {
            case 0 ..< 12: word = word.uppercased()
            case 12 ..< 20: word = word.prefix(1).uppercased() + word.dropFirst()
            default: break
            }
            if chance(15) { word = pick(CorpusWords.prefixes) + word }
            if chance(25) { word += pick(CorpusWords.suffixes) }
            if position > 0 { sentence += separator() }
            sentence += word
        }
        if chance(4) { sentence = sentence.uppercased() }
        if chance(50) { sentence += pick(CorpusWords.endings) }
        return sentence
    }

    /// A long text: several reviews, or a one-sided rant or rave whose compound score saturates
    /// near ±1 (and whose token scratch no longer fits the small-buffer case).
    mutating func paragraph() -> String {
        if chance(15) {
            // Past ButRescaling.linearScanLimit tokens, with many repeated valences.
            return (0 ..< 30 + int(30)).map { _ in review() }.joined(separator: " ")
        }
        if chance(50) {
            return (0 ..< 4 + int(9)).map { _ in review() }.joined(separator: " ")
        }
        let pool = chance(50) ? CorpusWords.positive : CorpusWords.negative
        return (0 ..< 10 + int(30)).map { _ in
            (chance(30) ? pick(CorpusWords.boosters) + " " : "") + pick(pool) + (chance(20) ? pick(CorpusWords.suffixes) : "")
        }.joined(separator: " ")
    }

    /// Random characters from every class the tokenizer distinguishes (ASCII punctuation, Python
    /// whitespace and its look-alikes, cased and uncased non-ASCII letters, combining marks, emoji),
    /// interleaved with lexicon words.
    mutating func noise() -> String {
        var text = ""
        for _ in 0 ..< 1 + int(40) {
            if chance(20) {
                text += pick(chance(50) ? CorpusWords.positive : CorpusWords.negative)
            } else {
                let pool = CorpusWords.noiseCharacters
                text.unicodeScalars.append(pool[int(pool.count)])
            }
        }
        return text
    }

    /// One to three review clauses joined by "and", "but" or a full stop.
    mutating func review() -> String {
        var sentence = reviewClause()
        let extra = int(3)
        for _ in 0 ..< extra {
            sentence += pick([", and ", ", but ", " but ", ". ", "; ", " - ", ", although ", ". But "]) + reviewClause()
        }
        sentence = sentence.prefix(1).uppercased() + sentence.dropFirst()
        sentence += pick([".", ".", ".", "!", "!!", "", "?", "!!!", " :)", " :(", "...", " 👍", " 😡"])
        return sentence
    }

    private mutating func reviewClause() -> String {
        let noun = pick(CorpusWords.products)
        let modifier = chance(35) ? pick(CorpusWords.reviewModifiers) + " " : ""
        let adjective = chance(50) ? pick(CorpusWords.positive) : pick(CorpusWords.negative)
        switch int(9) {
        case 0: return "the \(noun) is \(modifier)\(adjective)"
        case 1: return "I \(pick(CorpusWords.reviewNegations))\(pick(CorpusWords.verbs)) this \(noun)"
        case 2: return "\(modifier)\(adjective) \(noun)"
        case 3: return "it \(pick(["is", "was", "isn't", "wasn't", "is not", "was never", "is never this", "is never so"])) \(modifier)\(adjective)"
        case 4: return "customer service was \(modifier)\(adjective)"
        case 5: return "\(pick(CorpusWords.idioms)) \(noun)"
        case 6: return "the \(noun) \(pick(["works", "looks", "feels", "arrived"])) \(modifier)\(adjective)" + (chance(30) ? " " + pick(CorpusWords.emoticons) : "")
        case 7: return "\(pick(["would", "would not", "wouldn't", "will never", "can't wait to"])) \(pick(["recommend", "buy again", "return it", "love it"]))"
        default: return "\(pick(["at least", "the least", "at the very least", "without a doubt", "no", "not", "hardly", "barely"])) \(modifier)\(adjective)"
        }
    }

    private mutating func categoryWord() -> String {
        switch int(100) {
        case 0 ..< 30: pick(CorpusWords.neutral)
        case 30 ..< 44: pick(CorpusWords.positive)
        case 44 ..< 58: pick(CorpusWords.negative)
        case 58 ..< 66: pick(CorpusWords.boosters)
        case 66 ..< 74: pick(CorpusWords.negations)
        case 74 ..< 80: pick(CorpusWords.idioms)
        case 80 ..< 85: pick(CorpusWords.emoticons)
        case 85 ..< 91: chance(20) ? pick(CorpusWords.emoji) + pick(CorpusWords.positive) : pick(CorpusWords.emoji)
        case 91 ..< 95: pick(["but", "But", "BUT", "but,", "yet", "and", "or", "nor"])
        default: pick(CorpusWords.unicodeWords)
        }
    }

    private mutating func separator() -> String {
        switch int(100) {
        case 0 ..< 90: " "
        case 90 ..< 93: "  "
        default: pick(["\t", "\u{00A0}", "\u{3000}", "\n", "\u{2028}", "\r\n", " \u{2009}", "\u{1C}", "\u{85}", "\u{0B}", "\u{2029}", "\u{202F}", "\u{200B}"])
        }
    }
}
