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
///
/// A small open-addressing table over scalar values (rather than `[UInt32: ...]`, whose SipHash
/// dominated the cost of emoji-bearing texts).
struct EmojiTable: Sendable {
    /// Per slot: scalar value (0 = empty; NUL is never an emoji).
    private let keys: [UInt32]
    /// Per slot: offset << 32 | length of the description in `descriptions`.
    private let ranges: [UInt64]
    private let descriptions: [UInt8]
    private let mask: Int

    init(_ pairs: [(emoji: String, description: String)]) {
        var single: [UInt32: String] = [:]
        for (emoji, description) in pairs {
            let scalars = emoji.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first, scalar.value != 0 else { continue }
            single[scalar.value] = description  // a later duplicate wins, as in Python
        }
        var capacity = 16
        while capacity < single.count * 4 { capacity *= 2 }
        var keys = [UInt32](repeating: 0, count: capacity)
        var ranges = [UInt64](repeating: 0, count: capacity)
        var descriptions: [UInt8] = []
        for (scalar, description) in single.sorted(by: { $0.key < $1.key }) {
            var slot = Self.slot(of: scalar, mask: capacity - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = scalar
            ranges[slot] = UInt64(descriptions.count) << 32 | UInt64(description.utf8.count)
            descriptions.append(contentsOf: description.utf8)
        }
        self.keys = keys
        self.ranges = ranges
        self.descriptions = descriptions
        mask = capacity - 1
    }

    @inline(__always)
    private static func slot(of scalar: UInt32, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(scalar) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    /// The description's byte range, if `scalar` is an emoji VADER knows.
    @inline(__always)
    func description(of scalar: UInt32) -> Range<Int>? {
        var slot = Self.slot(of: scalar, mask: mask)
        while true {
            let key = keys[slot]
            if key == 0 { return nil }
            if key == scalar {
                let packed = ranges[slot]
                let start = Int(packed >> 32)
                return start ..< start + Int(packed & 0xFFFF_FFFF)
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    func withDescriptions<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        descriptions.withUnsafeBufferPointer(body)
    }
}
