/// Writes review headlines and bodies whose wording follows the star rating.
///
/// The text is made for a lexicon sentiment scorer (VADER): five-star reviews use positive
/// words, one- and two-star reviews negative ones with negations and "but" clauses; strong
/// ratings sometimes carry exclamation marks, an ALL-CAPS shout, or an emoticon, which VADER
/// amplifies. Sentences come from `ReviewVocabulary`, with `#` replaced by the product noun.
enum ReviewTextComposer {
    static func appendHeadline(rating: Int, noun: [UInt8], random: inout SeededRandom, to text: inout [UInt8]) {
        let choices = ReviewVocabulary.headlines[rating - 1]
        appendTemplate(choices[random.nextBelow(choices.count)], noun: noun, to: &text)
        if rating == 5 || rating == 1, random.chance(0.3) { text.append(UInt8(ascii: "!")) }
    }

    static func appendBody(rating: Int, noun: [UInt8], random: inout SeededRandom, to text: inout [UInt8]) {
        let choices = ReviewVocabulary.sentences[rating - 1]
        let sentenceCount = 1 + random.nextBelow(4)
        let isStrong = rating == 5 || rating == 1
        if isStrong, random.chance(0.12) {
            let shouts = rating == 5 ? ReviewVocabulary.shoutedPositive : ReviewVocabulary.shoutedNegative
            text.append(contentsOf: shouts[random.nextBelow(shouts.count)])
            text.append(UInt8(ascii: " "))
        }
        var used: UInt64 = 0 // bit per sentence already in this review, so none repeats
        for index in 0..<sentenceCount {
            if index > 0 { text.append(UInt8(ascii: " ")) }
            var choice = random.nextBelow(choices.count)
            while used & (1 << UInt64(choice)) != 0 { choice = (choice + 1) % choices.count }
            used |= 1 << UInt64(choice)
            appendTemplate(choices[choice], noun: noun, to: &text)
            let exclaim = isStrong ? random.chance(0.35) : (rating == 4 && random.chance(0.15))
            if exclaim, text.last == UInt8(ascii: ".") {
                text[text.count - 1] = UInt8(ascii: "!")
                if random.chance(0.25) { text.appendLiteral("!!") }
            }
        }
        if rating != 3, random.chance(0.08) {
            let emoticons = rating >= 4 ? ReviewVocabulary.positiveEmoticons : ReviewVocabulary.negativeEmoticons
            text.append(UInt8(ascii: " "))
            text.append(contentsOf: emoticons[random.nextBelow(emoticons.count)])
        }
    }

    static func appendSpamHeadline(noun: [UInt8], random: inout SeededRandom, to text: inout [UInt8]) {
        let choices = ReviewVocabulary.spamHeadlines
        appendTemplate(choices[random.nextBelow(choices.count)], noun: noun, uppercaseNoun: true, to: &text)
    }

    static func appendSpamBody(noun: [UInt8], random: inout SeededRandom, to text: inout [UInt8]) {
        let choices = ReviewVocabulary.spamBody
        appendTemplate(choices[random.nextBelow(choices.count)], noun: noun, uppercaseNoun: true, to: &text)
    }

    /// Copies `template`, replacing `#` by `noun` (upper-cased in shouted spam).
    static func appendTemplate(_ template: [UInt8], noun: [UInt8], uppercaseNoun: Bool = false, to text: inout [UInt8]) {
        var runStart = 0
        for index in template.indices where template[index] == UInt8(ascii: "#") {
            text.append(contentsOf: template[runStart..<index])
            runStart = index + 1
            if uppercaseNoun {
                for letter in noun {
                    text.append(letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") ? letter - 32 : letter)
                }
            } else {
                text.append(contentsOf: noun)
            }
        }
        text.append(contentsOf: template[runStart...])
    }
}
