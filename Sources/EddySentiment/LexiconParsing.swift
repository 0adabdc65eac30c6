/// Parses VADER's two lexicon files exactly as `SentimentIntensityAnalyzer.make_lex_dict` and
/// `make_emoji_dict` do: split on "\n", strip each line (Python `str.strip()`), split on tabs, keep
/// the first two fields; a later duplicate key replaces an earlier one.
enum LexiconParsing {
    /// `vader_lexicon.txt`: token, mean valence, then statistics VADER ignores.
    static func valences(_ text: String, file: String) throws(SentimentError) -> [(key: String, valence: Double)] {
        var result: [(key: String, valence: Double)] = []
        for (number, line) in fieldLines(text) {
            guard line.count >= 2 else {
                throw .malformedLexicon(file: file, line: number, reason: "expected token<TAB>valence")
            }
            guard let valence = Double(line[1]), valence.isFinite else {
                throw .malformedLexicon(file: file, line: number, reason: "valence \"\(line[1])\" is not a number")
            }
            result.append((line[0], valence))
        }
        return result
    }

    /// `emoji_utf8_lexicon.txt`: emoji, English description.
    static func emojiDescriptions(_ text: String, file: String) throws(SentimentError) -> [(emoji: String, description: String)] {
        var result: [(emoji: String, description: String)] = []
        for (number, line) in fieldLines(text) {
            guard line.count >= 2 else {
                throw .malformedLexicon(file: file, line: number, reason: "expected emoji<TAB>description")
            }
            result.append((line[0], line[1]))
        }
        return result
    }

    /// Non-empty lines (1-based numbers) split into tab-separated fields. Works on Unicode scalars:
    /// the files use CRLF, and "\r\n" is a single `Character` in Swift.
    private static func fieldLines(_ text: String) -> [(Int, [String])] {
        var lines: [(Int, [String])] = []
        var number = 0
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let scalars = Array(rawLine)
            guard let first = scalars.firstIndex(where: { !isPythonWhitespace($0) }),
                  let last = scalars.lastIndex(where: { !isPythonWhitespace($0) })
            else { continue }
            let fields = scalars[first...last].split(separator: "\t", omittingEmptySubsequences: false).map { field in
                var view = String.UnicodeScalarView()
                view.append(contentsOf: field)
                return String(view)
            }
            lines.append((number, fields))
        }
        return lines
    }
}

/// Python's `str.isspace()` (the separators of `str.split()` and `str.strip()`).
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        true
    default:
        false
    }
}
