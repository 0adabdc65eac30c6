import EddySentiment
import Testing

/// One or more sentences per VADER rule, with the compound score vaderSentiment 3.3.2 prints for
/// them (rounded to 4 decimals, hence the 5e-5 tolerance). These run without Python, so a broken rule
/// is named even where the parity test cannot run.
@Suite struct RuleTests {
    static let scorer = Result { try SentimentScorer.shared() }

    static func expectVader(_ cases: [(String, Double)], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scorer = try scorer.get()
        for (sentence, expected) in cases {
            let compound = scorer.compound(sentence)
            #expect(abs(compound - expected) <= 5e-5, "\(sentence.debugDescription): Eddy \(compound), vaderSentiment \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func lexiconValence() throws {
        try Self.expectVader([
            ("The book was good.", 0.4404), ("The book was bad.", -0.5423), ("I love it", 0.6369),
            ("I hate it", -0.5719), ("The table is brown.", 0.0),
        ])
    }

    @Test func boostersAndDampeners() throws {
        try Self.expectVader([
            ("The book was very good.", 0.4927), ("The book was extremely bad.", -0.5849),
            ("The book was slightly good.", 0.3832), ("The book was barely good.", 0.3832),
            // An ALL-CAPS booster among lower-case words adds the caps increment too.
            ("The book was VERY good.", 0.6028), ("VERY very good", 0.6331),
        ])
    }

    @Test func negationWithinThreeWords() throws {
        try Self.expectVader([
            ("The book was not good.", -0.3412), ("The book was not very good.", -0.3865),
            ("I don't love it", -0.5216), ("never good", -0.3412), ("I did not, in fact, like it", -0.2755),
            // Four words back is out of reach ("all" and "that" are not boosters).
            ("It isn't really all that good", 0.4877),
            ("no good", -0.3412), ("no problem or worries", 0.5559),
        ])
    }

    @Test func neverSoAndWithoutDoubt() throws {
        try Self.expectVader([
            ("Sentiment analysis has never been this good!", 0.5672), ("never so good", 0.5777),
            ("Without a doubt, excellent idea.", 0.7013), ("without doubt good", 0.6136),
        ])
    }

    @Test func least() throws {
        try Self.expectVader([
            ("least good", -0.3412), ("at least good", 0.4404), ("very least good", 0.4902),
            ("the least good thing", -0.3412),
        ])
    }

    @Test func butShift() throws {
        try Self.expectVader([
            ("The plot was good, but the characters are uncompelling.", -0.1027), ("good but bad", -0.5859),
            ("The battery is great, but the screen is kind of dim.", 0.3716),
            ("love but hate", -0.5346),
            // VADER rescales the first *equal* sentiment, so repeated values are rescaled oddly.
            ("nice nice but nice", 0.7579),
        ])
    }

    @Test func kindOfAndSortOf() throws {
        try Self.expectVader([
            ("The book was only kind of good.", 0.3832), ("kinda good", 0.3832), ("sort of bad", -0.5423),
            ("just enough good", 0.4404),
        ])
    }

    @Test func specialIdioms() throws {
        try Self.expectVader([
            ("With VADER, sentiment analysis is the shit!", 0.6476), ("VADER is quite bad ass", 0.6124),
            ("the food was to die for", -0.5994), ("this is the kiss of death", -0.6124),
            ("yeah right great idea", 0.743), ("wait at the bus stop", 0.0),
        ])
    }

    @Test func allCapsEmphasis() throws {
        try Self.expectVader([("I LOVE it", 0.7125), ("I love it", 0.6369), ("GREAT", 0.6249), ("great GREAT", 0.873)])
    }

    @Test func exclamationAndQuestionMarks() throws {
        try Self.expectVader([
            ("great", 0.6249), ("great!", 0.6588), ("great!!!", 0.7163), ("great!!!!!!", 0.7405),
            ("great??", 0.6662), ("great???", 0.6848), ("great????", 0.7236),
        ])
    }

    @Test func emojiBecomeTheirDescriptions() throws {
        try Self.expectVader([
            ("😁", 0.4588), ("😁good", 0.4588), ("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875),
            // U+FE0F after the heart glues onto "heart", which then misses the lexicon, as in Python.
            ("I ❤️ it", 0.0), ("🆙 and 🆙", 0.0),
        ])
    }

    @Test func emoticons() throws {
        try Self.expectVader([
            (":)", 0.4588), (":(", -0.4404), ("<3", 0.4404), ("</3", -0.6124), (":D", 0.5106),
            ("Make sure you :) or :D today!", 0.8633),
        ])
    }

    @Test func polarityScoresMatchVaderShares() throws {
        let scores = try Self.scorer.get().polarityScores("The plot was good, but the characters are uncompelling.")
        #expect(abs(scores.negative - 0.208) <= 5e-4)
        #expect(abs(scores.neutral - 0.619) <= 5e-4)
        #expect(abs(scores.positive - 0.173) <= 5e-4)
        #expect(abs(scores.compound - -0.1027) <= 5e-5)
    }

    @Test func textWithoutTokensScoresZero() throws {
        let scorer = try Self.scorer.get()
        for text in ["", " ", "\t\n\u{00A0}\u{3000}"] {
            #expect(scorer.polarityScores(text) == .empty)
        }
    }
}
