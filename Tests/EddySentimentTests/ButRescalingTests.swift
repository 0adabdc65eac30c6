@testable import EddySentiment
import Testing

/// The indexed "but" rescaling (used for long texts) must reproduce Python's first-equal quirk exactly.
@Suite struct ButRescalingTests {
    /// Python's `_but_check` on plain numbers, written independently of the Swift implementation.
    static func python(_ values: [Double], butIndex: Int) -> [Double] {
        var sentiments = values
        for position in sentiments.indices {
            let sentiment = sentiments[position]
            let first = sentiments.firstIndex(of: sentiment)!
            if first < butIndex { sentiments[first] = sentiment * 0.5 } else if first > butIndex { sentiments[first] = sentiment * 1.5 }
        }
        return sentiments
    }

    static func run(_ values: [Double], butIndex: Int, indexed: Bool) -> [Double] {
        var tokens = values.map { Token(valence: $0, flags: [], word: .other) }
        tokens.withUnsafeMutableBufferPointer { buffer in
            if indexed {
                ButRescaling.applyByIndex(buffer.baseAddress!, count: buffer.count, butIndex: butIndex)
            } else {
                ButRescaling.applyByScanning(buffer.baseAddress!, count: buffer.count, butIndex: butIndex)
            }
        }
        return tokens.map(\.valence)
    }

    @Test func bothStrategiesMatchPythonOnValuesThatCollideAfterRescaling() {
        // Powers of two and their 1.5 multiples: halving or growing one value often yields another.
        let palette: [Double] = [0, 0, 0, 1, 2, 0.5, 4, 0.25, 3, 1.5, 0.75, 2.25, -1, -2, -0.5, -1.5, 1.9, -2.5]
        var state: UInt64 = 12_345
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0 ..< 3_000 {
            let values = (0 ..< 1 + next(40)).map { _ in palette[next(palette.count)] }
            let butIndex = next(values.count)
            let expected = Self.python(values, butIndex: butIndex)
            #expect(Self.run(values, butIndex: butIndex, indexed: false) == expected, "\(values) but at \(butIndex)")
            #expect(Self.run(values, butIndex: butIndex, indexed: true) == expected, "\(values) but at \(butIndex)")
        }
    }

    @Test func longTextsWithButScoreLikeShortOnesRepeated() throws {
        let scorer = try SentimentScorer.shared()
        // "nice nice but nice": the first "nice" is rescaled twice, the second never (vaderSentiment: 0.7579).
        #expect(abs(scorer.compound("nice nice but nice") - 0.7579) <= 5e-5)
        // Far beyond the linear-scan limit, still fast and still in range.
        let long = String(repeating: "good bad great but awful nice ", count: 20_000)
        let clock = ContinuousClock()
        let started = clock.now
        let compound = scorer.compound(long)
        #expect(clock.now - started < .seconds(2))
        #expect((-1.0 ... 1.0).contains(compound))
    }
}
