/// VADER sentiment (Hutto & Gilbert, ICWSM 2014), ported rule by rule from vaderSentiment 3.3.2.
///
/// Build one scorer (parsing the lexicons takes milliseconds) and share it: it is an immutable,
/// `Sendable` value. Scoring works on the text's UTF-8 bytes; it allocates nothing on the heap for
/// ASCII sentences (the token buffer lives on the stack), and nothing at all once a reused
/// `SentimentScratch` has grown to the longest text.
///
/// ```swift
/// let scorer = try SentimentScorer.shared()
/// scorer.compound("The battery is great, but the screen is kind of dim.")  // 0.3716 (as vaderSentiment)
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
    /// Pass a `scratch` when scoring many texts to avoid allocating for long ones.
    public func compound(_ text: String, scratch: SentimentScratch? = nil) -> Double {
        polarityScores(text, scratch: scratch).compound
    }

    /// VADER's `polarity_scores(text)`, unrounded.
    public func polarityScores(_ text: String, scratch: SentimentScratch? = nil) -> PolarityScores {
        var text = text
        return text.withUTF8 { bytes in
            score(validUTF8: bytes, isASCII: UTF8Text.asciiPrefixLength(bytes) == bytes.count, scratch: scratch)
        }
    }

    /// The compound score of UTF-8 bytes, without building a `String`: the fast path for raw
    /// message payloads. Throws `SentimentError.invalidUTF8` rather than guessing at bad bytes.
    public func compound(utf8 bytes: UnsafeRawBufferPointer, scratch: SentimentScratch? = nil) throws(SentimentError) -> Double {
        try polarityScores(utf8: bytes, scratch: scratch).compound
    }

    /// `polarityScores` of UTF-8 bytes; throws `SentimentError.invalidUTF8` on malformed input.
    public func polarityScores(utf8 bytes: UnsafeRawBufferPointer, scratch: SentimentScratch? = nil) throws(SentimentError) -> PolarityScores {
        let text = bytes.bindMemory(to: UInt8.self)
        let asciiPrefix = UTF8Text.asciiPrefixLength(text)
        if asciiPrefix < text.count, let offset = UTF8Text.firstInvalidOffset(text, from: asciiPrefix) {
            throw .invalidUTF8(byteOffset: offset)
        }
        return score(validUTF8: text, isASCII: asciiPrefix == text.count, scratch: scratch)
    }

    /// The compound score of any collection of UTF-8 bytes (copied only if not contiguous).
    public func compound<Bytes: Collection<UInt8>>(utf8 bytes: Bytes, scratch: SentimentScratch? = nil) throws(SentimentError) -> Double {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SentimentError) in try compound(utf8: UnsafeRawBufferPointer(buffer), scratch: scratch) }
        }
        if let result { return try result.get() }
        let copied = Array(bytes).withUnsafeBytes { raw in
            Result { () throws(SentimentError) in try compound(utf8: raw, scratch: scratch) }
        }
        return try copied.get()
    }

    /// Scores valid UTF-8: ASCII text is tokenized in place; anything else first has its emoji
    /// replaced by their descriptions, as VADER does, into a temporary buffer.
    private func score(validUTF8 text: UnsafeBufferPointer<UInt8>, isASCII: Bool, scratch: SentimentScratch?) -> PolarityScores {
        if isASCII { return scoreExpanded(text, scratch: scratch) }
        let emoji = vocabulary.emoji
        let length = emoji.expandedLength(of: text)
        if let scratch {
            let buffer = scratch.bytes(count: length)
            let written = emoji.expand(text, into: buffer)
            return scoreExpanded(UnsafeBufferPointer(rebasing: buffer[0 ..< written]), scratch: scratch)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(length, 1)) { buffer in
            let written = emoji.expand(text, into: buffer)
            return scoreExpanded(UnsafeBufferPointer(rebasing: buffer[0 ..< written]), scratch: nil)
        }
    }

    private func scoreExpanded(_ text: UnsafeBufferPointer<UInt8>, scratch: SentimentScratch?) -> PolarityScores {
        let capacity = text.count / 2 + 1
        if let scratch {
            let tokens = scratch.tokens(count: capacity)
            return ValenceRules.score(tokens, vocabulary.words.tokenize(text, into: tokens))
        }
        return withUnsafeTemporaryAllocation(of: Token.self, capacity: capacity) { buffer in
            let tokens = buffer.baseAddress!
            return ValenceRules.score(tokens, vocabulary.words.tokenize(text, into: tokens))
        }
    }
}
