@testable import EddySentiment
import Foundation
import Testing

/// The lexicons are pinned: the bundled files must be byte-for-byte the ones vaderSentiment 3.3.2
/// ships (SHA-256 as recorded in its wheel's RECORD), with the MIT license and attribution beside them.
@Suite struct LexiconPinTests {
    @Test func sha256OfKnownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hex(Array(twoBlocks.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test(arguments: [
        ("vader_lexicon", "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5"),
        ("emoji_utf8_lexicon", "b8d54223ae1ce22a3e12c1f745316b71678c328eb5f5d3063a842f37cfbe2823"),
        ("LICENSE-vaderSentiment", "74cfe41cdbf7f6925aeb4c18c148ec8db042540edb6739fd81069aa4e3c8b118"),
    ])
    func bundledFileIsThePinnedCopy(name: String, sha256: String) throws {
        let data = try BundledLexicons.data(named: name)
        #expect(SHA256.hex(data) == sha256)
    }

    @Test func licenseAndAttributionShipWithTheLexicons() throws {
        let license = String(decoding: try BundledLexicons.data(named: "LICENSE-vaderSentiment"), as: UTF8.self)
        #expect(license.contains("The MIT License"))
        #expect(license.contains("C.J. Hutto"))
        let attribution = String(decoding: try BundledLexicons.data(named: "ATTRIBUTION"), as: UTF8.self)
        #expect(attribution.contains("Hutto, C.J. & Gilbert, E.E. (2014)"))
        #expect(attribution.contains("vaderSentiment 3.3.2"))
    }

    @Test func loadedVocabularyHasEveryLexiconEntry() throws {
        let scorer = try SentimentScorer()
        // 7,520 lines, 7,506 distinct tokens (later duplicates win, as in Python), plus the booster,
        // negation and rule words that are not lexicon entries.
        #expect(scorer.vocabulary.words.count > 7_506)
        #expect(scorer.vocabulary.words.count < 7_506 + Vader.boosters.count + Vader.dampeners.count + Vader.negations.count + VaderWord.allCases.count)
    }
}
