/// Appending JSON fragments to a byte buffer without going through `String`.
///
/// Every record the workload module emits (CSV/TSV rows turned into JSON, generated reviews)
/// is assembled with these helpers, so they avoid intermediate allocations: bytes go straight
/// into the destination array.
extension Array where Element == UInt8 {
    /// Appends the bytes of a static ASCII/UTF-8 literal.
    @inlinable
    mutating func appendLiteral(_ literal: StaticString) {
        literal.withUTF8Buffer { self.append(contentsOf: $0) }
    }

    /// Appends the decimal digits of `value`.
    @inlinable
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            // magnitude handles Int64.min without overflow.
            appendDecimal(unsigned: value.magnitude)
        } else {
            appendDecimal(unsigned: UInt64(value))
        }
    }

    /// Appends the decimal digits of an unsigned value.
    @inlinable
    mutating func appendDecimal(unsigned value: UInt64) {
        var digitCount = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digitCount += 1
        }
        let firstDigit = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digitCount))
        var rest = value
        var index = firstDigit + digitCount - 1
        while rest > 0 {
            self[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
            index -= 1
        }
    }

    /// Appends `bytes` as a quoted JSON string, escaping quotes, backslashes and control bytes.
    ///
    /// The caller guarantees `bytes` is valid UTF-8; non-ASCII bytes are copied unchanged,
    /// which is what RFC 8259 allows. Runs that need no escaping are copied in bulk.
    @inlinable
    mutating func appendJSONString(_ bytes: some Collection<UInt8>) {
        append(UInt8(ascii: "\""))
        let handled: Void? = bytes.withContiguousStorageIfAvailable { appendEscapedContents($0) }
        if handled == nil {
            Array(bytes).withUnsafeBufferPointer { appendEscapedContents($0) }
        }
        append(UInt8(ascii: "\""))
    }

    @inlinable
    mutating func appendEscapedContents(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): appendLiteral("\\\"")
            case UInt8(ascii: "\\"): appendLiteral("\\\\")
            case 0x0A: appendLiteral("\\n")
            case 0x0D: appendLiteral("\\r")
            case 0x09: appendLiteral("\\t")
            case 0x08: appendLiteral("\\b")
            case 0x0C: appendLiteral("\\f")
            default:
                appendLiteral("\\u00")
                append(hexDigit(byte >> 4))
                append(hexDigit(byte & 0x0F))
            }
        }
        append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    @usableFromInline
    func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ 0x30 : nibble &- 10 &+ UInt8(ascii: "a")
    }
}
