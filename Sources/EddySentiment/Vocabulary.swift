/// Everything the scorer looks up, built once from the two lexicon files plus VADER's built-in word
/// lists: the word table (lexicon valences, boosters, negations, rule words) and the emoji table.
struct Vocabulary: Sendable {
    let words: WordTable
    let emoji: EmojiTable

    init(lexicon: String, emojiLexicon: String) throws(SentimentError) {
        var merged: [[UInt8]: WordInfo] = [:]
        for (key, valence) in try LexiconParsing.valences(lexicon, file: "vader_lexicon.txt") {
            merged[Array(key.utf8), default: WordInfo()].valence = valence
            merged[Array(key.utf8), default: WordInfo()].flags.insert(.inLexicon)
        }
        for booster in Vader.boosters { merged[Array(booster.utf8), default: WordInfo()].flags.insert(.booster) }
        for dampener in Vader.dampeners { merged[Array(dampener.utf8), default: WordInfo()].flags.insert(.dampener) }
        for negation in Vader.negations { merged[Array(negation.utf8), default: WordInfo()].flags.insert(.negation) }
        for word in VaderWord.allCases where word != .other {
            merged[Array(word.spelling.utf8), default: WordInfo()].word = word
        }
        words = WordTable(entries: merged.map { (key: $0.key, info: $0.value) })
        emoji = EmojiTable(try LexiconParsing.emojiDescriptions(emojiLexicon, file: "emoji_utf8_lexicon.txt"))
    }
}

/// Emoji → description, for single-scalar emoji only: VADER replaces emoji while iterating over the
/// text's code points one at a time, so a key of two or more scalars (flags, skin tones, ZWJ
/// sequences, keys ending in U+FE0F) can never match.
struct EmojiTable: Sendable {
    /// scalar → (offset << 32 | length) in `descriptions`.
    private let index: [UInt32: UInt64]
    private let descriptions: [UInt8]

    init(_ pairs: [(emoji: String, description: String)]) {
        var index: [UInt32: UInt64] = [:]
        var descriptions: [UInt8] = []
        for (emoji, description) in pairs {
            let scalars = emoji.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else { continue }
            index[scalar.value] = UInt64(descriptions.count) << 32 | UInt64(description.utf8.count)
            descriptions.append(contentsOf: description.utf8)
        }
        self.index = index
        self.descriptions = descriptions
    }

    /// The description's byte range, if `scalar` is an emoji VADER knows.
    @inline(__always)
    func description(of scalar: UInt32) -> Range<Int>? {
        guard let packed = index[scalar] else { return nil }
        let start = Int(packed >> 32)
        return start ..< start + Int(packed & 0xFFFF_FFFF)
    }

    @inline(__always)
    func withDescriptions<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        descriptions.withUnsafeBufferPointer(body)
    }
}
