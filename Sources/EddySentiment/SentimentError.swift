/// Why a scorer could not be built or a text could not be scored.
public enum SentimentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A lexicon file is not in the module's resource bundle.
    case missingResource(name: String)
    /// A lexicon line is not `token<TAB>value...` (or its value is not a number).
    case malformedLexicon(file: String, line: Int, reason: String)
    /// Bytes given to `compound(utf8:)` are not valid UTF-8.
    case invalidUTF8(byteOffset: Int)

    public var description: String {
        switch self {
        case .missingResource(let name):
            "sentiment lexicon resource \(name) is missing from the EddySentiment bundle"
        case .malformedLexicon(let file, let line, let reason):
            "\(file):\(line): \(reason)"
        case .invalidUTF8(let offset):
            "text is not valid UTF-8 (first bad byte at offset \(offset))"
        }
    }
}
