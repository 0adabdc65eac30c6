/// VADER's first step (`polarity_scores`): every emoji code point is replaced by its English
/// description, so "😁" is scored as "beaming face with smiling eyes". A space is inserted before a
/// description unless the previous character was a space (U+0020 only), and none after it: "😁good"
/// becomes "beaming face with smiling eyesgood", exactly as in Python.
extension EmojiTable {
    /// Size in bytes of the expanded text. `text` must be valid UTF-8.
    func expandedLength(of text: UnsafeBufferPointer<UInt8>) -> Int {
        var length = 0
        var previousWasSpace = true
        var index = 0
        while index < text.count {
            let (scalar, width) = UTF8Text.decode(text, at: index) ?? (0xFFFD, 1)
            if let range = description(of: scalar) {
                length += (previousWasSpace ? 0 : 1) + range.count
                previousWasSpace = false
            } else {
                length += width
                previousWasSpace = scalar == 0x20
            }
            index += width
        }
        return length
    }

    /// Writes the expanded text into `output` (sized by `expandedLength(of:)`); returns bytes written.
    func expand(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withDescriptions { descriptions in
            var written = 0
            var previousWasSpace = true
            var index = 0
            while index < text.count {
                let (scalar, width) = UTF8Text.decode(text, at: index) ?? (0xFFFD, 1)
                if let range = description(of: scalar) {
                    if !previousWasSpace {
                        output[written] = 0x20
                        written += 1
                    }
                    for byteIndex in range {
                        output[written] = descriptions[byteIndex]
                        written += 1
                    }
                    previousWasSpace = false
                } else {
                    for offset in 0 ..< width {
                        output[written] = text[index + offset]
                        written += 1
                    }
                    previousWasSpace = scalar == 0x20
                }
                index += width
            }
            return written
        }
    }
}
