/// The empirically derived constants of vaderSentiment 3.3.2, under the same names, so a reader can
/// check the port against `vaderSentiment.py` line by line.
enum Vader {
    /// Mean intensity increase of a booster word ("very").
    static let boosterIncrement = 0.293
    /// Mean intensity decrease of a dampener word ("slightly").
    static let boosterDecrement = -0.293
    /// Mean intensity increase of an ALL-CAPS word among mixed-case words.
    static let capsIncrement = 0.733
    /// Negation scalar: a negated valence flips sign and shrinks.
    static let negationScalar = -0.74
    /// Normalization constant of the compound score: `x / sqrt(x² + alpha)`.
    static let alpha = 15.0
    /// Per `!` (at most four of them count).
    static let exclamationIncrement = 0.292
    /// Per `?` when there are two or three of them.
    static let questionIncrement = 0.18
    /// For four or more `?`.
    static let questionCeiling = 0.96

    /// `BOOSTER_DICT` entries that are single tokens. The multi-word entries ("kind of", "sort of",
    /// "just enough") can only match as bigrams; they are handled by `VaderWord` bigram rules.
    static let boosters: [String] = [
        "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
        "decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
        "exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin",
        "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin",
        "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
        "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
        "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally",
        "tremendous", "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
    ]
    static let dampeners: [String] = [
        "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginal",
        "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight",
        "slightly", "somewhat", "sorta", "sortof", "sort-of",
    ]

    /// `NEGATE`: a token equal to one of these (or containing "n't") negates what follows.
    static let negations: [String] = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
        "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
        "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
        "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
        "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
        "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
        "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
        "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
    ]

    /// `SPECIAL_CASES`: idioms whose valence replaces the word's own. ("badass" is listed there
    /// too, but VADER only ever looks it up as a two- or three-word sequence, so it never fires.)
    static let specialBigrams: [(VaderWord, VaderWord, Double)] = [
        (.the, .shit, 3), (.the, .bomb, 3), (.bad, .ass, 1.5), (.bus, .stop, 0.0),
        (.yeah, .right, -2), (.beating, .heart, 3.5),
    ]
    static let specialTrigrams: [(VaderWord, VaderWord, VaderWord, Double)] = [
        (.kiss, .of, .death, -1.5), (.to, .die, .for, 3),
    ]
    /// The two-word `BOOSTER_DICT` entries, checked as n-grams before a lexicon word.
    static let boosterBigrams: [(VaderWord, VaderWord)] = [(.kind, .of), (.sort, .of), (.just, .enough)]
}

/// Lower-case words that some VADER rule compares by identity ("no", "but", "least", the words of
/// the idioms...). Each lexicon-table entry carries its `VaderWord`, so the rules compare one byte
/// instead of strings.
enum VaderWord: UInt8, CaseIterable, Sendable {
    case other = 0
    case no, but, kind, of, least, at, very, never, so, this, without, doubt, or, nor
    case sort, just, enough, the, shit, bomb, bad, ass, bus, stop, yeah, right, kiss, death
    case to, die, `for`, beating, heart

    /// The lower-case spelling the word has in text.
    var spelling: String {
        switch self {
        case .other: ""
        case .for: "for"
        default: String(describing: self)
        }
    }
}
