#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EddySentiment

/// The last text one engine's SENTIMENT calls scored, and its score, shared by every SENTIMENT call
/// the engine compiled (with the scorer's scratch).
///
/// Why: a topology often scores the same column in several pumps. reviews.sql does it for every
/// record: `AVG(SENTIMENT("review_body"))` in AVG_STAR_RATING's pump and `SENTIMENT("review_body")`
/// in the RCF cursor. Both see the record's bytes one after the other, so the second call finds
/// them here and costs a byte comparison instead of a second VADER pass (the dearest scalar
/// function by far). The key is the text itself, not a record number, so the memo can never answer
/// with another text's score, whatever order operators run in. One engine runs on one thread at a
/// time, as its frames do; the memo is not shared across engines.
final class SentimentMemo {
    let scratch = SentimentScratch()
    private var text: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes of `text` in use; -1 until a first text is scored.
    private var count = -1
    /// nil when the remembered text is not valid UTF-8 (SENTIMENT gives NULL for it).
    private var score: Double?

    init() {
        capacity = 1024
        text = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit { text.deallocate() }

    /// `scorer`'s compound score of `bytes`, or nil when they are not UTF-8; the remembered score
    /// when they equal the last text scored.
    func compound(_ bytes: UnsafeRawBufferPointer, scorer: SentimentScorer) -> Double? {
        if bytes.count == count, count == 0 || memcmp(text, bytes.baseAddress!, count) == 0 { return score }
        score = try? scorer.compound(utf8: bytes, scratch: scratch)
        remember(bytes)
        return score
    }

    private func remember(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > capacity {
            text.deallocate()
            capacity = max(bytes.count, capacity * 2)
            text = .allocate(byteCount: capacity, alignment: 1)
        }
        if let base = bytes.baseAddress { text.copyMemory(from: base, byteCount: bytes.count) }
        count = bytes.count
    }
}
