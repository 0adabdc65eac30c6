/// VADER sentiment (Hutto & Gilbert, ICWSM 2014), ported rule by rule from vaderSentiment 3.3.2.
///
/// Build one scorer (parsing the lexicons takes milliseconds) and share it: it is an immutable,
/// `Sendable` value, and scoring allocates nothing on the heap for ASCII text of ordinary length
/// (the per-call token scratch lives on the stack).
///
/// ```swift
/// let scorer = try SentimentScorer.shared()
/// scorer.compound("The battery is great, but the screen is kind of dim.")  // 0.4497...
/// ```
public struct SentimentScorer: Sendable {
    let vocabulary: Vocabulary

    /// A scorer over the pinned lexicons shipped in this module's resources.
    public init() throws(SentimentError) {
        let files = try BundledLexicons.load()
        try self.init(lexicon: files.lexicon, emojiLexicon: files.emojiLexicon)
    }

    /// A scorer over lexicon texts in VADER's formats (`vader_lexicon.txt`, `emoji_utf8_lexicon.txt`).
    public init(lexicon: String, emojiLexicon: String) throws(SentimentError) {
        vocabulary = try Vocabulary(lexicon: lexicon, emojiLexicon: emojiLexicon)
    }

    /// The process-wide scorer over the bundled lexicons, loaded on first use.
    public static func shared() throws(SentimentError) -> SentimentScorer {
        try sharedResult.get()
    }

    private static let sharedResult = Result<SentimentScorer, SentimentError> { () throws(SentimentError) in
        try SentimentScorer()
    }

    /// VADER's compound score of `text`, in [-1, 1] (unrounded; VADER displays it to 4 decimals).
    public func compound(_ text: String) -> Double {
        polarityScores(text).compound
    }

    /// VADER's `polarity_scores(text)`, unrounded.
    public func polarityScores(_ text: String) -> PolarityScores {
        var text = text
        return text.withUTF8 { score(validUTF8: $0) }
    }

    /// The compound score of UTF-8 bytes, without building a `String`: the fast path for raw
    /// message payloads. Throws `SentimentError.invalidUTF8` rather than guessing at bad bytes.
    public func compound(utf8 bytes: UnsafeRawBufferPointer) throws(SentimentError) -> Double {
        try polarityScores(utf8: bytes).compound
    }

    /// `polarityScores` of UTF-8 bytes; throws `SentimentError.invalidUTF8` on malformed input.
    public func polarityScores(utf8 bytes: UnsafeRawBufferPointer) throws(SentimentError) -> PolarityScores {
        let text = bytes.bindMemory(to: UInt8.self)
        let asciiPrefix = UTF8Text.asciiPrefixLength(text)
        if asciiPrefix == text.count { return scoreExpanded(text) }
        if let offset = UTF8Text.firstInvalidOffset(text, from: asciiPrefix) { throw .invalidUTF8(byteOffset: offset) }
        return scoreWithEmoji(text)
    }

    /// The compound score of any collection of UTF-8 bytes (copied only if not contiguous).
    public func compound<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) throws(SentimentError) -> Double {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SentimentError) in try compound(utf8: UnsafeRawBufferPointer(buffer)) }
        }
        if let result { return try result.get() }
        let copied = Array(bytes).withUnsafeBytes { raw in
            Result { () throws(SentimentError) in try compound(utf8: raw) }
        }
        return try copied.get()
    }

    /// Scores valid UTF-8: ASCII text is tokenized in place; anything else first has its emoji
    /// replaced by their descriptions, as VADER does, into a temporary buffer.
    private func score(validUTF8 text: UnsafeBufferPointer<UInt8>) -> PolarityScores {
        UTF8Text.asciiPrefixLength(text) == text.count ? scoreExpanded(text) : scoreWithEmoji(text)
    }

    private func scoreWithEmoji(_ text: UnsafeBufferPointer<UInt8>) -> PolarityScores {
        let emoji = vocabulary.emoji
        let length = emoji.expandedLength(of: text)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(length, 1)) { buffer in
            let written = emoji.expand(text, into: buffer)
            return scoreExpanded(UnsafeBufferPointer(rebasing: buffer[0 ..< written]))
        }
    }

    private func scoreExpanded(_ text: UnsafeBufferPointer<UInt8>) -> PolarityScores {
        withUnsafeTemporaryAllocation(of: Token.self, capacity: text.count / 2 + 1) { tokens in
            let base = tokens.baseAddress!
            let counts = vocabulary.words.tokenize(text, into: base)
            return ValenceRules.score(base, counts)
        }
    }
}
