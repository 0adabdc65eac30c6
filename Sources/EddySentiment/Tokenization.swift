/// One token of `SentiText.words_and_emoticons`, reduced to what the rules read: the lexicon valence
/// (replaced by the token's final sentiment once scored), flags, and its rule word.
struct Token {
    var valence: Double
    var flags: WordFlags
    var word: VaderWord
}

/// Counts VADER takes from the whole text rather than from tokens.
struct TextCounts {
    var tokens = 0
    var upperTokens = 0
    var exclamations = 0
    var questions = 0
}

extension WordTable {
    /// `SentiText`: splits valid UTF-8 `text` on Python whitespace (`str.split()`), strips ASCII
    /// punctuation from each token's edges unless that leaves two characters or fewer
    /// (`_strip_punc_if_word`, which keeps ":)" and "no,"), and classifies each token.
    /// `tokens` must hold `text.count / 2 + 1` entries.
    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into tokens: UnsafeMutablePointer<Token>) -> TextCounts {
        var counts = TextCounts()
        var index = 0
        let end = text.count
        while index < end {
            let lead = text[index]
            if lead < 0x80 {
                if UTF8Text.isASCIIWhitespace(lead) { index += 1; continue }
            } else {
                let width = UTF8Text.multibyteWhitespaceLength(text, at: index)
                if width > 0 { index += width; continue }
            }
            let start = index
            var isASCII = true
            while index < end {
                let byte = text[index]
                if byte < 0x80 {
                    if UTF8Text.isASCIIWhitespace(byte) { break }
                    if byte == 0x21 { counts.exclamations += 1 } else if byte == 0x3F { counts.questions += 1 }
                    index += 1
                } else {
                    if UTF8Text.multibyteWhitespaceLength(text, at: index) > 0 { break }
                    isASCII = false
                    index = min(index + UTF8Text.sequenceLength(lead: byte), end)
                }
            }
            let token = classify(word: strippedWord(text, start, index, isASCII: isASCII), isASCII: isASCII)
            if token.flags.contains(.upper) { counts.upperTokens += 1 }
            tokens[counts.tokens] = token
            counts.tokens += 1
        }
        return counts
    }

    /// `_strip_punc_if_word`: the token without leading/trailing `string.punctuation`, unless that
    /// has at most two characters (code points), in which case the token is kept whole.
    @inline(__always)
    private func strippedWord(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, isASCII: Bool) -> UnsafeBufferPointer<UInt8> {
        var wordStart = start
        var wordEnd = end
        while wordStart < wordEnd, UTF8Text.isASCIIPunctuation(text[wordStart]) { wordStart += 1 }
        while wordEnd > wordStart, UTF8Text.isASCIIPunctuation(text[wordEnd - 1]) { wordEnd -= 1 }
        var characters = wordEnd - wordStart
        if !isASCII, characters > 2 {
            characters = 0
            for position in wordStart ..< wordEnd where text[position] & 0xC0 != 0x80 { characters += 1 }
        }
        if characters <= 2 { (wordStart, wordEnd) = (start, end) }
        return UnsafeBufferPointer(rebasing: text[wordStart ..< wordEnd])
    }

    @inline(__always)
    private func classify(word: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> Token {
        isASCII ? classifyASCII(word) : classifyUnicode(word)
    }

    /// Hashes the lower-cased word while checking Python's `isupper()` and looking for "n't".
    @inline(__always)
    private func classifyASCII(_ word: UnsafeBufferPointer<UInt8>) -> Token {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var hasUpper = false
        var hasLower = false
        var hasApostrophe = false
        for byte in word {
            let isUpper = byte &- 0x41 < 26
            hasUpper = hasUpper || isUpper
            hasLower = hasLower || byte &- 0x61 < 26
            hasApostrophe = hasApostrophe || byte == 0x27
            hash = (hash ^ UInt64(isUpper ? byte | 0x20 : byte)) &* 0x100_0000_01b3
        }
        var token = Token(valence: 0, flags: [], word: .other)
        if let info = lookup(ascii: word, hash: hash) {
            token = Token(valence: info.valence, flags: info.flags, word: info.word)
        }
        if hasUpper && !hasLower { token.flags.insert(.upper) }
        if hasApostrophe && Self.containsNT(word) { token.flags.insert(.negation) }
        return token
    }

    /// Non-ASCII words go through Swift's Unicode case mapping, as Python's `lower()`/`isupper()` do.
    /// Rare in practice, so a `String` per word is acceptable here.
    private func classifyUnicode(_ word: UnsafeBufferPointer<UInt8>) -> Token {
        let text = String(decoding: word, as: UTF8.self)
        var cased = false
        var isUpper = true
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.isLowercase || properties.generalCategory == .titlecaseLetter {
                isUpper = false
                break
            }
            if properties.isUppercase { cased = true }
        }
        var lowered = text.lowercased()
        var token = lowered.withUTF8 { bytes in
            var token = Token(valence: 0, flags: [], word: .other)
            if let info = lookup(lowercased: bytes) {
                token = Token(valence: info.valence, flags: info.flags, word: info.word)
            }
            if Self.containsNT(bytes) { token.flags.insert(.negation) }
            return token
        }
        if isUpper && cased { token.flags.insert(.upper) }
        return token
    }

    /// `"n't" in word.lower()`.
    @inline(__always)
    private static func containsNT(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard word.count >= 3 else { return false }
        for index in 0 ... word.count - 3
        where word[index] | 0x20 == 0x6E && word[index + 1] == 0x27 && word[index + 2] | 0x20 == 0x74 {
            return true
        }
        return false
    }
}
