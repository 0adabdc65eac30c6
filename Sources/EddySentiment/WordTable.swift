/// What VADER knows about one lower-case token: its lexicon valence, whether it boosts or dampens,
/// whether it negates, and which rule word it is.
struct WordInfo: Sendable {
    var valence: Double = 0
    var flags: WordFlags = []
    var word: VaderWord = .other
}

struct WordFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let inLexicon = WordFlags(rawValue: 1)
    static let booster = WordFlags(rawValue: 2)
    static let dampener = WordFlags(rawValue: 4)
    static let negation = WordFlags(rawValue: 8)
    /// Set per token, never in the table: the token is ALL CAPS in Python's `str.isupper()` sense.
    static let upper = WordFlags(rawValue: 16)
}

/// An immutable open-addressing hash table from lower-case UTF-8 byte strings to `WordInfo`.
///
/// Why not `[String: WordInfo]`: building a `String` per token and SipHashing it costs more than the
/// whole VADER rule evaluation. Here a token is hashed (FNV-1a) while it is being lower-cased, in
/// place, straight from the input bytes, and compared byte by byte against the key arena.
///
/// `@unchecked Sendable`: the buffers are written only in `init` and freed in `deinit`; every
/// other access is a read.
final class WordTable: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<UInt64>  // (hash >> 32) << 32 | (entry + 1); 0 = empty
    private let infos: UnsafeMutableBufferPointer<WordInfo>
    private let keyStarts: UnsafeMutableBufferPointer<Int32>  // entry e's key is keyBytes[keyStarts[e] ..< keyStarts[e + 1]]
    private let keyBytes: UnsafeMutableBufferPointer<UInt8>
    private let mask: Int
    let count: Int

    /// `entries` must have distinct keys (callers merge duplicates first, last one wins as in Python).
    init(entries: [(key: [UInt8], info: WordInfo)]) {
        var capacity = 16
        while capacity < entries.count * 4 { capacity *= 2 }
        mask = capacity - 1
        count = entries.count
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0)
        infos = .allocate(capacity: max(entries.count, 1))
        keyStarts = .allocate(capacity: entries.count + 1)
        let totalKeyBytes = entries.reduce(0) { $0 + $1.key.count }
        keyBytes = .allocate(capacity: max(totalKeyBytes, 1))
        var offset = 0
        for (index, entry) in entries.enumerated() {
            (infos.baseAddress! + index).initialize(to: entry.info)
            keyStarts[index] = Int32(offset)
            for byte in entry.key {
                keyBytes[offset] = byte
                offset += 1
            }
            let hash = entry.key.withUnsafeBufferPointer { Self.hash($0) }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash >> 32) << 32 | UInt64(index + 1)
        }
        keyStarts[entries.count] = Int32(offset)
    }

    deinit {
        slots.deallocate()
        infos.deallocate()
        keyStarts.deallocate()
        keyBytes.deallocate()
    }

    /// FNV-1a over bytes that are already lower case.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Looks up bytes that are already lower case (the slow, non-ASCII path).
    func lookup(lowercased bytes: UnsafeBufferPointer<UInt8>) -> WordInfo? {
        find(bytes, hash: Self.hash(bytes), foldASCII: false)
    }

    /// Looks up an ASCII token, folding A–Z to a–z on the fly.
    @inline(__always)
    func lookup(ascii bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> WordInfo? {
        find(bytes, hash: hash, foldASCII: true)
    }

    @inline(__always)
    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, foldASCII: Bool) -> WordInfo? {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let packed = slots[slot]
            if packed == 0 { return nil }
            if packed >> 32 == tag {
                let entry = Int(truncatingIfNeeded: packed & 0xFFFF_FFFF) - 1
                if keyMatches(entry, bytes, foldASCII: foldASCII) { return infos[entry] }
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func keyMatches(_ entry: Int, _ bytes: UnsafeBufferPointer<UInt8>, foldASCII: Bool) -> Bool {
        let start = Int(keyStarts[entry])
        let length = Int(keyStarts[entry + 1]) - start
        guard length == bytes.count else { return false }
        for index in 0..<length {
            let byte = foldASCII ? asciiLowercased(bytes[index]) : bytes[index]
            if keyBytes[start + index] != byte { return false }
        }
        return true
    }
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte &- 65 < 26 ? byte | 0x20 : byte
}
