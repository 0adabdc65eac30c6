import Foundation

/// Reads the pinned lexicon files from the module's resource bundle (`Resources/`).
enum BundledLexicons {
    static let lexiconName = "vader_lexicon"
    static let emojiLexiconName = "emoji_utf8_lexicon"

    static func load() throws(SentimentError) -> (lexicon: String, emojiLexicon: String) {
        (try text(named: lexiconName), try text(named: emojiLexiconName))
    }

    /// The raw bytes of a bundled resource file (used by the pin test to check SHA-256).
    static func data(named name: String, extension ext: String = "txt") throws(SentimentError) -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: ext),
            let data = try? Data(contentsOf: url)
        else { throw .missingResource(name: "\(name).\(ext)") }
        return data
    }

    private static func text(named name: String) throws(SentimentError) -> String {
        let data = try data(named: name)
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformedLexicon(file: "\(name).txt", line: 0, reason: "not UTF-8")
        }
        return text
    }
}
