import EddySentiment
import Testing

/// The public API beyond VADER's rules: byte entry points, errors, custom lexicons, sharing.
@Suite struct ScorerAPITests {
    static let scorer = Result { try SentimentScorer.shared() }
    static let sentences = SentimentCorpus.parity(count: 2_000, seed: 7)

    @Test func byteEntryPointsAgreeWithStrings() throws {
        let scorer = try Self.scorer.get()
        for sentence in Self.sentences {
            let expected = scorer.polarityScores(sentence)
            let bytes = Array(sentence.utf8)
            let fromRaw = try bytes.withUnsafeBytes { raw throws(SentimentError) in try scorer.polarityScores(utf8: raw) }
            #expect(fromRaw == expected, "\(sentence.debugDescription)")
            #expect(try scorer.compound(utf8: bytes[...]) == expected.compound)
            // A collection without contiguous storage takes the copying path.
            #expect(try scorer.compound(utf8: bytes.lazy.map { $0 }) == expected.compound)
        }
    }

    @Test func scratchGivesTheSameScoresAndGrowsForLongTexts() throws {
        let scorer = try Self.scorer.get()
        let scratch = SentimentScratch()
        let long = SentimentCorpus.reviewBodies(count: 50, seed: 11).joined(separator: " 😁 ")
        for text in Self.sentences + [long, String(repeating: "good 👍 ", count: 2_000)] {
            let expected = scorer.polarityScores(text)
            #expect(scorer.polarityScores(text, scratch: scratch) == expected)
            let fromBytes = try Array(text.utf8).withUnsafeBytes { raw throws(SentimentError) in
                try scorer.polarityScores(utf8: raw, scratch: scratch)
            }
            #expect(fromBytes == expected)
        }
    }

    @Test func scoresStayInRange() throws {
        let scorer = try Self.scorer.get()
        for sentence in Self.sentences {
            let scores = scorer.polarityScores(sentence)
            #expect((-1.0 ... 1.0).contains(scores.compound))
            for share in [scores.negative, scores.neutral, scores.positive] { #expect((0.0 ... 1.0).contains(share)) }
            let total = scores.negative + scores.neutral + scores.positive
            #expect(total == 0 || abs(total - 1) < 1e-9, "\(sentence.debugDescription): shares sum to \(total)")
        }
    }

    @Test(arguments: [
        ([0x67, 0x6F, 0x6F, 0x64, 0x20, 0xC3, 0x28], 5),  // lead byte without continuation
        ([0x6F, 0x6B, 0xC0, 0x80], 2),  // overlong NUL
        ([0xED, 0xA0, 0x80], 0),  // UTF-16 surrogate
        ([0x61, 0x62, 0x63, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x61, 0xF0, 0x9F], 10),  // truncated, after an 8-byte ASCII run
        ([0xF4, 0x90, 0x80, 0x80], 0),  // beyond U+10FFFF
        ([0x80], 0),  // stray continuation byte
    ])
    func invalidUTF8IsAnErrorWithItsOffset(bytes: [UInt8], offset: Int) throws {
        let scorer = try Self.scorer.get()
        #expect(throws: SentimentError.invalidUTF8(byteOffset: offset)) {
            try bytes.withUnsafeBytes { raw throws(SentimentError) in try scorer.compound(utf8: raw) }
        }
    }

    @Test func customLexiconScoresByVadersFormula() throws {
        let scorer = try SentimentScorer(lexicon: "zorg\t2.0\t0.5\t[2, 2]\r\nblah\t-1.5\r\n", emojiLexicon: "🦄\tzorg unicorn\n")
        // One lexicon word of valence 2 among three tokens: 2 / sqrt(2² + 15).
        #expect(abs(scorer.compound("a zorg day") - 2 / (4 + 15.0).squareRoot()) < 1e-12)
        #expect(abs(scorer.compound("🦄") - 2 / (4 + 15.0).squareRoot()) < 1e-12)
        #expect(scorer.compound("good") == 0)  // not in this lexicon
    }

    @Test func malformedLexiconIsAnErrorWithItsLine() {
        #expect(throws: SentimentError.malformedLexicon(file: "vader_lexicon.txt", line: 2, reason: "expected token<TAB>valence")) {
            try SentimentScorer(lexicon: "good\t1.9\nbroken line\n", emojiLexicon: "")
        }
        #expect(throws: SentimentError.malformedLexicon(file: "vader_lexicon.txt", line: 1, reason: "valence \"high\" is not a number")) {
            try SentimentScorer(lexicon: "good\thigh\n", emojiLexicon: "")
        }
        #expect(throws: SentimentError.malformedLexicon(file: "emoji_utf8_lexicon.txt", line: 1, reason: "expected emoji<TAB>description")) {
            try SentimentScorer(lexicon: "", emojiLexicon: "🦄\n")
        }
    }

    @Test func oneScorerIsSharedAcrossTasks() async throws {
        let scorer = try Self.scorer.get()
        let sentences = Array(Self.sentences.prefix(400))
        let sequential = sentences.map { scorer.compound($0) }
        let concurrent = await withTaskGroup(of: (Int, [Double]).self) { group in
            for part in 0 ..< 4 {
                group.addTask {
                    (part, stride(from: part, to: sentences.count, by: 4).map { scorer.compound(sentences[$0]) })
                }
            }
            var results = [Double](repeating: .nan, count: sentences.count)
            for await (part, values) in group {
                for (offset, value) in values.enumerated() { results[part + offset * 4] = value }
            }
            return results
        }
        #expect(concurrent == sequential)
    }

    @Test func corpusIsSeededAndSized() {
        #expect(SentimentCorpus.parity(count: 5_000, seed: 1) == SentimentCorpus.parity(count: 5_000, seed: 1))
        #expect(SentimentCorpus.parity(count: 5_000, seed: 1) != SentimentCorpus.parity(count: 5_000, seed: 2))
        #expect(SentimentCorpus.parity(count: 5_000, seed: 1).count == 5_000)
        let reviews = SentimentCorpus.reviews(count: 1_000, seed: 3)
        #expect(reviews.count == 1_000)
        #expect(Set(reviews).count > 900)
    }
}
