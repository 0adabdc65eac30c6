/// VADER's rules over tokenized text: `polarity_scores`, `sentiment_valence`, `_negation_check`,
/// `_special_idioms_check`, `_least_check`, `_but_check` and `score_valence`, in the same order and
/// with the same floating-point operations, so results agree with vaderSentiment 3.3.2 to the last
/// bit in practice.
enum ValenceRules {
    static func score(_ tokens: UnsafeMutablePointer<Token>, _ counts: TextCounts) -> PolarityScores {
        let count = counts.tokens
        guard count > 0 else { return .empty }
        let capsDiffer = counts.upperTokens > 0 && counts.upperTokens < count
        for index in 0 ..< count {
            tokens[index].valence = sentiment(tokens, count, at: index, capsDiffer: capsDiffer)
        }
        applyBut(tokens, count)
        return scoreValence(tokens, count, counts)
    }

    /// The valence of token `index` (`polarity_scores` loop body plus `sentiment_valence`).
    @inline(__always)
    private static func sentiment(_ tokens: UnsafeMutablePointer<Token>, _ count: Int, at index: Int, capsDiffer: Bool) -> Double {
        let token = tokens[index]
        // Boosters and "kind of" only modify their neighbours.
        if !token.flags.isDisjoint(with: [.booster, .dampener]) { return 0 }
        if index < count - 1, token.word == .kind, tokens[index + 1].word == .of { return 0 }
        guard token.flags.contains(.inLexicon) else { return 0 }

        let lexiconValence = token.valence
        var valence = lexiconValence
        // "no" right before a lexicon word negates it instead of counting itself.
        if token.word == .no, index != count - 1, tokens[index + 1].flags.contains(.inLexicon) {
            valence = 0.0
        }
        if (index > 0 && tokens[index - 1].word == .no)
            || (index > 1 && tokens[index - 2].word == .no)
            || (index > 2 && tokens[index - 3].word == .no && (tokens[index - 1].word == .or || tokens[index - 1].word == .nor)) {
            valence = lexiconValence * Vader.negationScalar
        }
        if token.flags.contains(.upper) && capsDiffer {
            if valence > 0 { valence += Vader.capsIncrement } else { valence -= Vader.capsIncrement }
        }
        for distance in 0 ..< 3 where index > distance {
            let preceding = tokens[index - (distance + 1)]
            if preceding.flags.contains(.inLexicon) { continue }
            var scalar = boosterScalar(preceding, valence: valence, capsDiffer: capsDiffer)
            if distance == 1 && scalar != 0 { scalar = scalar * 0.95 }
            if distance == 2 && scalar != 0 { scalar = scalar * 0.9 }
            valence = valence + scalar
            valence = negationCheck(valence, tokens, distance: distance, index: index)
            if distance == 2 { valence = specialIdiomsCheck(valence, tokens, count, index: index) }
        }
        return leastCheck(valence, tokens, index: index)
    }

    /// `scalar_inc_dec`: what a preceding booster or dampener adds, signed like the valence.
    @inline(__always)
    private static func boosterScalar(_ word: Token, valence: Double, capsDiffer: Bool) -> Double {
        guard !word.flags.isDisjoint(with: [.booster, .dampener]) else { return 0.0 }
        var scalar = word.flags.contains(.booster) ? Vader.boosterIncrement : Vader.boosterDecrement
        if valence < 0 { scalar *= -1 }
        if word.flags.contains(.upper) && capsDiffer {
            if valence > 0 { scalar += Vader.capsIncrement } else { scalar -= Vader.capsIncrement }
        }
        return scalar
    }

    /// `_negation_check`: a negation one, two or three words back flips the valence, except
    /// "never so/this" (which intensifies) and "without doubt" (which leaves it alone).
    @inline(__always)
    private static func negationCheck(_ valence: Double, _ tokens: UnsafeMutablePointer<Token>, distance: Int, index: Int) -> Double {
        switch distance {
        case 0:
            return tokens[index - 1].flags.contains(.negation) ? valence * Vader.negationScalar : valence
        case 1:
            let two = tokens[index - 2].word
            let one = tokens[index - 1].word
            if two == .never && (one == .so || one == .this) { return valence * 1.25 }
            if two == .without && one == .doubt { return valence }
            return tokens[index - 2].flags.contains(.negation) ? valence * Vader.negationScalar : valence
        default:
            let three = tokens[index - 3].word
            let two = tokens[index - 2].word
            let one = tokens[index - 1].word
            if (three == .never && (two == .so || two == .this)) || (one == .so || one == .this) {
                return valence * 1.25
            }
            if three == .without && (two == .doubt || one == .doubt) { return valence }
            return tokens[index - 3].flags.contains(.negation) ? valence * Vader.negationScalar : valence
        }
    }

    /// `_special_idioms_check` (only reached with three words before `index`).
    @inline(__always)
    private static func specialIdiomsCheck(_ valence: Double, _ tokens: UnsafeMutablePointer<Token>, _ count: Int, index: Int) -> Double {
        var valence = valence
        let zero = tokens[index].word
        let one = tokens[index - 1].word
        let two = tokens[index - 2].word
        let three = tokens[index - 3].word
        if let idiom = specialCase(one, zero) ?? specialCase(two, one, zero) ?? specialCase(two, one)
            ?? specialCase(three, two, one) ?? specialCase(three, two) {
            valence = idiom
        }
        if count - 1 > index, let idiom = specialCase(zero, tokens[index + 1].word) {
            valence = idiom
        }
        if count - 1 > index + 1, let idiom = specialCase(zero, tokens[index + 1].word, tokens[index + 2].word) {
            valence = idiom
        }
        // Two-word dampeners ("kind of", "sort of", "just enough") before the word.
        if isBoosterBigram(three, two) { valence = valence + Vader.boosterDecrement }
        if isBoosterBigram(two, one) { valence = valence + Vader.boosterDecrement }
        return valence
    }

    @inline(__always)
    private static func specialCase(_ first: VaderWord, _ second: VaderWord) -> Double? {
        if first == .other || second == .other { return nil }
        for (a, b, valence) in Vader.specialBigrams where a == first && b == second { return valence }
        return nil
    }

    @inline(__always)
    private static func specialCase(_ first: VaderWord, _ second: VaderWord, _ third: VaderWord) -> Double? {
        if first == .other || second == .other || third == .other { return nil }
        for (a, b, c, valence) in Vader.specialTrigrams where a == first && b == second && c == third { return valence }
        return nil
    }

    @inline(__always)
    private static func isBoosterBigram(_ first: VaderWord, _ second: VaderWord) -> Bool {
        second == .of ? (first == .kind || first == .sort) : (first == .just && second == .enough)
    }

    /// `_least_check`: "least good" negates, "at least" and "very least" do not.
    @inline(__always)
    private static func leastCheck(_ valence: Double, _ tokens: UnsafeMutablePointer<Token>, index: Int) -> Double {
        guard index > 0 else { return valence }
        let previous = tokens[index - 1]
        guard previous.word == .least, !previous.flags.contains(.inLexicon) else { return valence }
        if index > 1 {
            let before = tokens[index - 2].word
            return before != .at && before != .very ? valence * Vader.negationScalar : valence
        }
        return valence * Vader.negationScalar
    }

    /// `_but_check`: sentiments before the first "but" are halved, those after it grow by half.
    private static func applyBut(_ tokens: UnsafeMutablePointer<Token>, _ count: Int) {
        var butIndex = -1
        for index in 0 ..< count where tokens[index].word == .but {
            butIndex = index
            break
        }
        guard butIndex >= 0 else { return }
        ButRescaling.apply(tokens, count: count, butIndex: butIndex)
    }

    /// `score_valence`, `_punctuation_emphasis` and `_sift_sentiment_scores`.
    private static func scoreValence(_ tokens: UnsafeMutablePointer<Token>, _ count: Int, _ counts: TextCounts) -> PolarityScores {
        var sum = 0.0
        var positiveSum = 0.0
        var negativeSum = 0.0
        var neutralCount = 0
        for index in 0 ..< count {
            let sentiment = tokens[index].valence
            sum += sentiment
            if sentiment > 0 { positiveSum += sentiment + 1 }
            if sentiment < 0 { negativeSum += sentiment - 1 }
            if sentiment == 0 { neutralCount += 1 }
        }
        let emphasis = punctuationEmphasis(counts)
        if sum > 0 { sum += emphasis } else if sum < 0 { sum -= emphasis }
        let compound = normalize(sum)

        if positiveSum > abs(negativeSum) {
            positiveSum += emphasis
        } else if positiveSum < abs(negativeSum) {
            negativeSum -= emphasis
        }
        let total = positiveSum + abs(negativeSum) + Double(neutralCount)
        return PolarityScores(
            negative: abs(negativeSum / total),
            neutral: abs(Double(neutralCount) / total),
            positive: abs(positiveSum / total),
            compound: compound
        )
    }

    /// Up to four `!` add 0.292 each; two or three `?` add 0.18 each, four or more add 0.96.
    @inline(__always)
    private static func punctuationEmphasis(_ counts: TextCounts) -> Double {
        let exclamation = Double(min(counts.exclamations, 4)) * Vader.exclamationIncrement
        var question = 0.0
        if counts.questions > 1 {
            question = counts.questions <= 3 ? Double(counts.questions) * Vader.questionIncrement : Vader.questionCeiling
        }
        return exclamation + question
    }

    /// `normalize`: maps the valence sum into [-1, 1].
    @inline(__always)
    static func normalize(_ score: Double) -> Double {
        let normalized = score / (score * score + Vader.alpha).squareRoot()
        return min(max(normalized, -1.0), 1.0)
    }
}
