/// Word pools for `SentimentCorpus`, chosen to exercise each VADER rule (see the comments per pool).
enum CorpusWords {
    /// VADER's own demo sentences plus hand-written cases for each rule.
    static let probes: [String] = [
        "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
        "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
        "VADER is VERY SMART, handsome, and FUNNY!!!", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "VADER is not smart, handsome, nor funny.", "The book was good.", "At least it isn't a horrible book.",
        "The book was only kind of good.", "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today SUX!", "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁", "Not bad at all",
        "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
        "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
        "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
        "VADER is such a badass!", "Without a doubt, excellent idea.",
        "Roger Dodger is one of the most compelling variations on this theme.",
        "Roger Dodger is at least compelling as a variation on the theme.",
        "Roger Dodger is one of the least compelling variations on this theme.", "Not such a badass after all.",
        "Without a doubt, an excellent idea.", "It was one of the worst movies I've seen, despite good reviews.",
        "Unbelievably bad acting!!", "Poor direction.", "VERY poor production.", "The movie was bad.", "Very bad movie.",
        "VERY BAD movie!", "no good", "no no good", "no, good", "no bad or good", "no problem or worries",
        "not so good", "never so good", "never this good", "never so very good", "never been so good",
        "without doubt good", "without any doubt good", "without doubt it is good", "least good", "at least good",
        "very least good", "the least good thing", "kind of good", "sort of bad", "sort of a bad idea", "kind of a great day",
        "just enough good", "the food was to die for", "this is the kiss of death", "he is a bad ass dude",
        "yeah right great idea", "wait at the bus stop", "what a beating heart", "this phone is the bomb",
        "that show was the shit", "I am under the weather", "it will cut the mustard", "ok", "OK!", "ok?", "ok??", "ok???", "ok????",
        "great!", "great!!", "great!!!", "great!!!!", "great!!!!!", "bad?!", "bad ?? !!", "GREAT", "great GREAT",
        "I LOVE it", "i HATE it", "I don't love it", "I DON'T love it", "I do not hate it", "I didn't not like it",
        "it isn't really good", "It is not very bad", "It's hardly bad", "It's barely good", "a KIND of good thing",
        "He's not sorry but I'm sad", "love but hate", "good but bad but good", "but good", "good but", "BUT it was great",
        "good good good but bad bad bad", "I love it but it is so so bad", "nice nice but nice", "1 2 3 :) :( <3 </3",
        "😁", "😁😁😁", "😁good", "good😁", "I ❤️ it", "I ❤ it", "👍🏽 great", "🇺🇸 proud", "💔 heartbroken", "🔛 top", "🆙 and 🆙",
        "café is great", "\u{212A}ILL them all", "ÜBER good", "naïve but nice", "STRAẞE is bad", "“great” product",
        "didn’t like it", "Didn't like it", "won't like it", "shouldn't've liked it", "uh-uh good", "nope, bad",
        ":) :) :)", ":-p", ":P", ":d", "<3", "</3", "xD", "(:", "):", "^_^", ":'(", "=)", ";)", "8-)",
        "  good  ", "\tbad\t", "good\u{0}great", "😁\u{0}😁", "\u{7F}bad\u{1B}", "good\u{00A0}bad", "good\u{3000}bad", "a", "", " ", "!", "?", "??", "!!!!", ":",
        "The shit!", "THE SHIT", "the SHIT", "Kind of", "kind", "of", "KIND OF GOOD", "least", "no", "NO", "no no",
        "good\u{0B}bad\u{0C}great\u{1D}nice\u{1E}fun\u{1F}sad", "good\u{1680}bad\u{2000}great\u{200A}nice\u{202F}fun\u{205F}sad\u{2029}ok",
        "good\u{200B}bad", "good\u{180E}bad", "good\u{FEFF}bad", "good\t😁", "good\u{00A0}😁", "😁\u{00A0}good", "😁 😁\tgood",
        "U.S.A. is great", "e-mail :-) ok", "GOOD, bad, UGLY!", "Good. Bad. Ugly.", "10/10 would buy again", "5 stars!!!!!",
        "It was not the worst, but it was not the best either.", "Absolutely LOVED it!!! 😍😍",
        "Total waste of money. Broke after two days :(", "Works as expected, nothing special.",
    ]

    /// Empty and punctuation-only texts (VADER returns zeros or scores stray emoticons).
    static let degenerate: [String] = ["", " ", "\t\n", "!!!", "???", "...", ":)", ":(", "-", "'", "?!", "1234", "\u{00A0}", "😐"]

    static let neutral: [String] = [
        "the", "a", "it", "this", "that", "product", "battery", "screen", "phone", "book", "movie", "plot", "service",
        "food", "price", "delivery", "seller", "case", "i", "we", "they", "was", "is", "are", "be", "been", "has",
        "have", "with", "for", "to", "of", "at", "on", "in", "my", "our", "after", "day", "week", "so", "very",
        "least", "kind", "sort", "just", "enough", "or", "nor", "right", "bus", "beating", "die", "doubt", "never",
        "without", "no", "at", "ok", "ab", "it's", "I'm", "x", "2", "10/10", "5-star", "e-mail", "U.S.A.",
    ]

    static let positive: [String] = [
        "good", "great", "love", "loved", "awesome", "excellent", "amazing", "nice", "happy", "perfect", "best",
        "wonderful", "fantastic", "fun", "beautiful", "helpful", "glad", "like", "enjoy", "cool", "sweet", "lol",
        "haha", "yay", "win", "super", "smart", "funny", "handsome", "comfortable", "pleasant", "impressed", "thanks",
        "kind", "yeah", "heart", "kiss", "free", "worth", "solid", "fine", "ok", "okay", "recommend", "favorite",
    ]

    static let negative: [String] = [
        "bad", "terrible", "awful", "horrible", "hate", "worst", "poor", "sad", "angry", "boring", "broken", "ugly",
        "useless", "disappointed", "disappointing", "annoying", "cheap", "waste", "sux", "sucks", "wtf", "meh",
        "fail", "failed", "problem", "issue", "died", "death", "shit", "bomb", "ass", "stop", "kill", "killed",
        "hurt", "damn", "crap", "lame", "weak", "stupid", "sorry", "cry", "wrong", "mess", "no", "doubt", "flimsy",
    ]

    /// Boosters and dampeners (single-token `BOOSTER_DICT` keys), plus the multi-word ones.
    static let boosters: [String] = [
        "absolutely", "amazingly", "completely", "deeply", "extremely", "fucking", "friggin", "hella", "highly",
        "incredibly", "most", "more", "quite", "really", "so", "totally", "uber", "very", "utterly", "especially",
        "almost", "barely", "hardly", "kinda", "kind-of", "sort-of", "sorta", "less", "little", "slightly",
        "somewhat", "occasionally", "partly", "kind of", "sort of", "just enough", "marginally", "scarcely",
    ]

    /// `NEGATE` words and "n't" contractions (the curly-apostrophe ones do not negate in VADER).
    static let negations: [String] = [
        "not", "never", "no", "isn't", "doesn't", "don't", "didn't", "won't", "can't", "cannot", "couldn't",
        "wasn't", "aren't", "ain't", "shouldn't", "wouldn't", "without", "nor", "neither", "nothing", "nowhere",
        "none", "nope", "rarely", "seldom", "despite", "dont", "isnt", "wont", "didn’t", "don’t", "uhuh", "uh-uh",
        "hasn't", "needn't", "mightn't",
    ]

    /// Special-case idioms, "least"/"never so"/"without doubt" patterns, and dampening bigrams.
    static let idioms: [String] = [
        "the shit", "the bomb", "bad ass", "badass", "bus stop", "yeah right", "kiss of death", "to die for",
        "beating heart", "cut the mustard", "under the weather", "at least", "very least", "the least", "least",
        "never so", "never this", "without doubt", "without a doubt", "no doubt", "not bad at all", "no or",
        "kind of", "sort of", "just enough", "so so", "this good",
    ]

    /// Emoticons, most of them in the lexicon (some only in upper case, which VADER never matches).
    static let emoticons: [String] = [
        ":)", ":-)", ":(", ":-(", ":D", ":d", ":P", ":p", ":-p", ";)", ";-)", "<3", "</3", ":/", ":|", "xD", "XD",
        "=)", ":'(", "^_^", "(:", "):", ":-D", "8-)", "B)", "o.O", "O_o", ":*", ":o", "=D", ":-Þ",
    ]

    /// Single-scalar emoji (replaced by VADER), and sequences it only partly replaces.
    static let emoji: [String] = [
        "😁", "😂", "😡", "😢", "❤", "❤️", "💔", "👍", "👎", "👍🏽", "🎉", "🔛", "🆙", "☹", "☺", "🙂", "🙁", "🤣",
        "😍", "🤮", "💩", "🇺🇸", "👩‍💻", "✨", "🔥", "💯", "😐", "💘", "💋", "©",
    ]

    /// Non-ASCII words: Python and Swift must agree on case (`isupper`, `lower`) and on not stripping
    /// non-ASCII punctuation.
    static let unicodeWords: [String] = [
        "café", "naïve", "ÜBER", "Ärger", "\u{212A}ILL", "ﬁne", "résumé", "İYİ", "ΟΔΥΣΣΕΥΣ", "straße", "GOOD’S",
        "“great”", "—", "¡good!", "¿bad?", "Ǆ", "ǅungla", "ℌello", "ⅫGOOD", "GOOD\u{301}", "日本", "😁😁",
    ]

    /// Characters for `CorpusGenerator.noise()`.
    static let noiseCharacters: [Unicode.Scalar] = {
        var characters: [Unicode.Scalar] = []
        for value in UInt32(0x20) ... 0x7E { characters.append(Unicode.Scalar(value)!) }
        for value: UInt32 in [
            0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1F, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000, 0x200B, 0x180E, 0xFEFF, 0x00,  // Python whitespace and look-alikes
            0xC9, 0xE9, 0xDF, 0x130, 0x131, 0x1C4, 0x1C5, 0x1C6, 0x3A3, 0x3C3, 0x3C2, 0x416, 0x436, 0x212A, 0x2160,
            0x24B6, 0x24D0, 0xFB01, 0x301, 0x308, 0x5D0, 0x4E2D, 0x2019, 0x201C, 0x2026, 0xA1, 0xBF,  // letters, marks
            0x1F601, 0x1F621, 0x2764, 0xFE0F, 0x1F44D, 0x1F3FD, 0x200D, 0x1F51B, 0x1F199, 0x263A, 0xA9, 0x1F1FA,
        ] {
            characters.append(Unicode.Scalar(value)!)
        }
        return characters
    }()

    /// Leading punctuation; the non-ASCII ones are not stripped by VADER.
    static let prefixes: [String] = ["(", "\"", "'", "*", "#", "@", "...", "-", "¡", "[", "<", "$"]

    /// Trailing punctuation, including `!` and `?` runs.
    static let suffixes: [String] = [
        ",", ".", "!", "?", "!!", "!!!", "?!", "??", "...", ")", "\"", ":", ";", "'", "-", "~", "!?!?", "!!!!!!", "…",
    ]

    static let endings: [String] = [".", "!", "!!", "!!!", "!!!!!", "?", "??", "???", "????", "?!", "...", " :)", " :(", " <3", " 😁", "😡"]

    static let products: [String] = [
        "battery", "screen", "charger", "case", "headphones", "keyboard", "blender", "book", "movie", "shoes",
        "jacket", "camera", "app", "update", "price", "packaging", "delivery", "seller", "sound", "fit",
    ]

    static let verbs: [String] = ["like", "love", "hate", "recommend", "enjoy", "regret buying", "trust", "want"]

    static let reviewNegations: [String] = ["", "", "", "really ", "don't ", "do not ", "didn't ", "never ", "absolutely ", "can't "]

    static let reviewModifiers: [String] = [
        "very", "really", "so", "extremely", "kind of", "sort of", "kinda", "slightly", "somewhat", "not", "not very",
        "never", "totally", "VERY", "REALLY", "pretty", "quite", "barely", "hardly", "least", "the least", "most",
    ]
}
