/// Reusable working memory for scoring many texts with no heap allocation per text.
///
/// Without a scratch, a call keeps its token buffer on the stack while it is small (about 120 bytes
/// of text) and otherwise allocates it for the duration of the call. A long-lived caller (a SQL
/// operator, a consumer loop) keeps one scratch and passes it to every call; it grows to the longest
/// text seen and is then reused. Not `Sendable`: keep one per thread or per operator instance.
public final class SentimentScratch {
    private var tokenBuffer: UnsafeMutableBufferPointer<Token>
    private var byteBuffer: UnsafeMutableBufferPointer<UInt8>

    public init() {
        tokenBuffer = .allocate(capacity: 128)
        byteBuffer = .allocate(capacity: 512)
    }

    deinit {
        tokenBuffer.deallocate()
        byteBuffer.deallocate()
    }

    /// Room for `count` tokens (contents are not preserved across growth).
    func tokens(count: Int) -> UnsafeMutablePointer<Token> {
        if tokenBuffer.count < count {
            tokenBuffer.deallocate()
            tokenBuffer = .allocate(capacity: max(count, tokenBuffer.count * 2))
        }
        return tokenBuffer.baseAddress!
    }

    /// Room for `count` bytes of emoji-expanded text (contents are not preserved across growth).
    func bytes(count: Int) -> UnsafeMutableBufferPointer<UInt8> {
        if byteBuffer.count < count {
            byteBuffer.deallocate()
            byteBuffer = .allocate(capacity: max(count, byteBuffer.count * 2))
        }
        return UnsafeMutableBufferPointer(rebasing: byteBuffer[0 ..< count])
    }
}
