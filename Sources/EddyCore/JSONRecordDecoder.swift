#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a JSON message into a frame by scanning for the mapped paths only.
///
/// No tree is built: the scanner walks the bytes once, compares each key against the expected keys
/// of the current level, converts matched scalars in place and skips (while validating) the rest.
public final class JSONRecordDecoder {
    /// One key expected at some level of the path trie, flattened so matching touches no
    /// reference-counted objects: `child` is the nested level (or -1), `column` the leaf column (or -1).
    struct Entry { var keyOffset: Int; var keyLength: Int; var child: Int; var column: Int }
    /// Entries of level `n` are `entries[levelStart[n] ..< levelStart[n] + levelCount[n]]`.
    let entries: UnsafeMutablePointer<Entry>
    let levelStart: UnsafeMutablePointer<Int>
    let levelCount: UnsafeMutablePointer<Int>
    /// Per level, a table of `slotsPerLevel` slots from a key's fingerprint to its entry + 1 (0 when
    /// empty), with linear probing. Why: a message's unmapped keys (5 of 16 in a review) had to be
    /// compared against every expected key of the level; now most of them hit an empty slot at once.
    let keyTable: UnsafeMutablePointer<Int32>
    static let slotsPerLevel = 64
    let keyBytes: UnsafeMutablePointer<UInt8>

    /// Deeper nesting is rejected as malformed instead of recursing without bound.
    static let maximumDepth = 256
    let schema: Schema
    /// Column types, unboxed, so reading a value copies no reference-counted column metadata.
    let types: UnsafeMutablePointer<SQLType>
    /// The column being converted, to name it in an error reason.
    @exclusivity(unchecked) var currentColumn = 0
    /// Which columns were seen in the current record.
    let seen: UnsafeMutablePointer<Bool>
    /// Scratch for keys and strings containing escapes.
    let scratch = ByteArena(capacity: 256)
    /// Passed when skipping objects: they have no mapped columns, so it is never written.
    let unusedFrame = Frame(count: 1, arena: ByteArena(capacity: 64))

    public init(schema: Schema) {
        self.schema = schema
        types = .allocate(capacity: max(schema.count, 1))
        types.initialize(from: schema.columns.map(\.type), count: schema.count)
        seen = .allocate(capacity: max(schema.count, 1))
        seen.initialize(repeating: false, count: max(schema.count, 1))
        // Build the trie as nested arrays first (set-up only), then flatten it.
        final class Node { var keys: [[UInt8]] = []; var children: [Node] = []; var column = -1 }
        let root = Node()
        for (index, column) in schema.columns.enumerated() {
            var node = root
            for segment in column.path {
                let key = Array(segment.utf8)
                if let k = node.keys.firstIndex(of: key) {
                    node = node.children[k]
                } else {
                    let child = Node()
                    node.keys.append(key)
                    node.children.append(child)
                    node = child
                }
            }
            node.column = index
        }
        var levels: [Node] = [root]
        var k = 0
        while k < levels.count { levels.append(contentsOf: levels[k].children); k += 1 }
        var flat: [Entry] = []
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var counts: [Int] = []
        for node in levels {
            starts.append(flat.count)
            counts.append(node.keys.count)
            for (i, key) in node.keys.enumerated() {
                let child = node.children[i]
                let childLevel = child.keys.isEmpty ? -1 : levels.firstIndex { $0 === child }!
                flat.append(Entry(keyOffset: bytes.count, keyLength: key.count, child: childLevel, column: child.column))
                bytes.append(contentsOf: key)
            }
        }
        entries = .allocate(capacity: max(flat.count, 1))
        entries.initialize(from: flat, count: flat.count)
        levelStart = .allocate(capacity: starts.count)
        levelStart.initialize(from: starts, count: starts.count)
        levelCount = .allocate(capacity: counts.count)
        levelCount.initialize(from: counts, count: counts.count)
        keyTable = .allocate(capacity: counts.count * Self.slotsPerLevel)
        keyTable.initialize(repeating: 0, count: counts.count * Self.slotsPerLevel)
        for level in counts.indices where counts[level] > 0 {
            // Levels with more keys than a quarter of the slots keep probing short by leaving the
            // rest to the linear scan in `match` (their table stays empty).
            guard counts[level] * 4 <= Self.slotsPerLevel else { continue }
            for e in starts[level]..<(starts[level] + counts[level]) {
                let key = bytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[flat[e].keyOffset..<(flat[e].keyOffset + flat[e].keyLength)]) }
                var slot = Self.fingerprint(key) & (Self.slotsPerLevel - 1)
                while keyTable[level * Self.slotsPerLevel + slot] != 0 { slot = (slot + 1) & (Self.slotsPerLevel - 1) }
                keyTable[level * Self.slotsPerLevel + slot] = Int32(e + 1)
            }
        }
        keyBytes = .allocate(capacity: max(bytes.count, 1))
        keyBytes.initialize(from: bytes, count: bytes.count)
    }

    deinit {
        seen.deallocate()
        types.deallocate()
        entries.deallocate()
        levelStart.deallocate()
        levelCount.deallocate()
        keyTable.deallocate()
        keyBytes.deallocate()
    }

    /// Fills `frame` slots 0..<schema.count from the message, or throws the first problem found.
    public func decode(_ bytes: UnsafeRawBufferPointer, into frame: Frame) throws(DecodeError) {
        // UTF-8 is validated while scanning: inside strings byte by byte, and outside strings any
        // non-ASCII byte is a grammar error. When a record fails for any reason, invalid UTF-8
        // anywhere in it is the reason reported, as if it had been checked first.
        do {
            try scan(bytes, into: frame)
        } catch {
            if let bad = UTF8Validation.firstInvalidOffset(bytes) {
                throw DecodeError(.invalidUTF8, "invalid UTF-8 at byte \(bad)")
            }
            throw error
        }
    }

    func scan(_ bytes: UnsafeRawBufferPointer, into frame: Frame) throws(DecodeError) {
        seen.update(repeating: false, count: schema.count)
        var i = skipSpace(bytes, 0)
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else {
            throw malformed("expected '{'", at: i)
        }
        do {
            i = try scanObject(bytes, i, level: 0, frame: frame, depth: 0)
        } catch {
            throw error.naming(schema.columns[currentColumn].name)
        }
        i = skipSpace(bytes, i)
        if i != bytes.count { throw malformed("unexpected data after the JSON object", at: i) }
        for c in 0..<schema.count where !seen[c] {
            throw DecodeError(.missingField, "missing field '\(schema.columns[c].path.joined(separator: "."))' for column \(schema.columns[c].name)")
        }
    }

    @inline(__always) func skipSpace(_ b: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        return i
    }

    func malformed(_ what: String, at offset: Int) -> DecodeError {
        DecodeError(.malformed, "malformed JSON: \(what) at byte \(offset)")
    }

    /// Scans an object starting at `{`; returns the index after `}`.
    func scanObject(_ b: UnsafeRawBufferPointer, _ start: Int, level: Int, frame: Frame, depth: Int) throws(DecodeError) -> Int {
        if depth > Self.maximumDepth { throw malformed("nesting deeper than \(Self.maximumDepth) levels", at: start) }
        var i = skipSpace(b, start + 1)
        if i < b.count, b[i] == UInt8(ascii: "}") { return i + 1 }
        while true {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw malformed("expected a key", at: i) }
            let (keyStart, keyEnd, escaped, afterKey) = try scanString(b, i)
            var entry = -1
            if level >= 0 {
                if escaped {
                    scratch.reset()
                    try unescape(b, keyStart, keyEnd, into: scratch)
                    entry = match(level, UnsafeRawBufferPointer(start: scratch.storage, count: scratch.count))
                } else {
                    entry = match(level, UnsafeRawBufferPointer(rebasing: b[keyStart..<keyEnd]))
                }
            }
            i = skipSpace(b, afterKey)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw malformed("expected ':'", at: i) }
            i = skipSpace(b, i + 1)
            guard i < b.count else { throw malformed("unexpected end", at: i) }
            if entry >= 0, entries[entry].column >= 0 {
                i = try readValue(b, i, column: entries[entry].column, frame: frame)
            } else if entry >= 0, entries[entry].child >= 0, b[i] == UInt8(ascii: "{") {
                i = try scanObject(b, i, level: entries[entry].child, frame: frame, depth: depth + 1)
            } else {
                i = try skipValue(b, i, depth: depth + 1)
            }
            i = skipSpace(b, i)
            guard i < b.count else { throw malformed("unterminated object", at: i) }
            if b[i] == UInt8(ascii: ",") { i = skipSpace(b, i + 1); continue }
            if b[i] == UInt8(ascii: "}") { return i + 1 }
            throw malformed("expected ',' or '}'", at: i)
        }
    }

    /// The entry of `level` whose key equals `key`, or -1.
    @inline(__always) func match(_ level: Int, _ key: UnsafeRawBufferPointer) -> Int {
        let first = levelStart[level]
        let count = levelCount[level]
        let n = key.count
        if count * 4 <= Self.slotsPerLevel {
            let table = keyTable + level * Self.slotsPerLevel
            var slot = Self.fingerprint(key) & (Self.slotsPerLevel - 1)
            while true {
                let e = Int(table[slot]) - 1
                if e < 0 { return -1 }
                let candidate = entries[e]
                if candidate.keyLength == n, n == 0 || Self.equal(UnsafeRawPointer(keyBytes + candidate.keyOffset), key.baseAddress!, n) {
                    return e
                }
                slot = (slot + 1) & (Self.slotsPerLevel - 1)
            }
        }
        for e in first..<(first + count) {
            let candidate = entries[e]
            guard candidate.keyLength == n else { continue }
            if n == 0 || Self.equal(UnsafeRawPointer(keyBytes + candidate.keyOffset), key.baseAddress!, n) { return e }
        }
        return -1
    }

    /// A cheap hash of a key for `keyTable`: its length and up to its first and last eight bytes.
    @inline(__always) static func fingerprint(_ key: UnsafeRawBufferPointer) -> Int {
        let n = key.count
        var head: UInt64 = 0, tail: UInt64 = 0
        if n >= 8 {
            head = key.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            tail = key.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            for i in 0..<n { head = head << 8 | UInt64(key[i]) }
        }
        let mixed = (head ^ (tail &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(n)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: mixed >> 40)
    }

    /// Byte equality of two `n`-byte ranges, eight bytes at a time: keys are short, and most
    /// mismatches show in the first word, so this beats a call to memcmp per candidate.
    @inline(__always) static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        while i < n {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }

    /// Returns the content range of a string at `"`, whether it has escapes, and the index after it.
    @inline(__always) func scanString(_ b: UnsafeRawBufferPointer, _ start: Int) throws(DecodeError) -> (Int, Int, Bool, Int) {
        var i = start + 1
        var escaped = false
        let n = b.count
        while true {
            // Sixteen bytes at a time while none is a quote, a backslash, a control character or
            // non-ASCII (as signed bytes, the last two are exactly those below 0x20): one SSE2
            // compare per class, so long texts such as review bodies cost a few instructions per 16 bytes.
            if let base = b.baseAddress {
                let quotes = SIMD16<Int8>(repeating: 0x22), backslashes = SIMD16<Int8>(repeating: 0x5C)
                let spaces = SIMD16<Int8>(repeating: 0x20)
                while i + 16 <= n {
                    let v = (base + i).loadUnaligned(as: SIMD16<Int8>.self)
                    let special = (v .== quotes) .| (v .== backslashes) .| (v .< spaces)
                    if any(special) { break }
                    i += 16
                }
            }
            // Then eight bytes at a time, stopping exactly at the first special byte: each zero-byte
            // test below is exact for its lowest hit (borrows only create false hits above it), so
            // the lowest bit of their union marks the first quote, backslash, control or non-ASCII byte.
            while i + 8 <= n {
                let v = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let q = v ^ (ones &* 0x22), bs = v ^ (ones &* 0x5C)
                let special = (((q &- ones) & ~q) | ((bs &- ones) & ~bs) | ((v &- ones &* 0x20) & ~v) | v) & highs
                if special != 0 {
                    i += special.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            guard i < n else { break }
            let c = b[i]
            if c == UInt8(ascii: "\"") { return (start + 1, i, escaped, i + 1) }
            if c == UInt8(ascii: "\\") { escaped = true; i += 2; continue }
            if c < 0x20 { throw malformed("control character in string", at: i) }
            if c >= 0x80 {
                let length = UTF8Validation.sequenceLength(b, at: i)
                if length == 0 { throw DecodeError(.invalidUTF8, "invalid UTF-8 at byte \(i)") }
                i += length
                continue
            }
            i += 1
        }
        throw malformed("unterminated string", at: start)
    }

    func unescape(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into arena: ByteArena) throws(DecodeError) {
        var i = start
        while i < end {
            let c = b[i]
            if c != UInt8(ascii: "\\") { arena.append(c); i += 1; continue }
            guard i + 1 < end else { throw malformed("bad escape", at: i) }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): arena.append(0x22)
            case UInt8(ascii: "\\"): arena.append(0x5C)
            case UInt8(ascii: "/"): arena.append(0x2F)
            case UInt8(ascii: "b"): arena.append(0x08)
            case UInt8(ascii: "f"): arena.append(0x0C)
            case UInt8(ascii: "n"): arena.append(0x0A)
            case UInt8(ascii: "r"): arena.append(0x0D)
            case UInt8(ascii: "t"): arena.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(b, i, end) else { throw malformed("bad \\u escape", at: i - 2) }
                i += 4
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard i + 6 <= end, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                          let low = hex4(b, i + 2, end), low >= 0xDC00, low < 0xE000
                    else { throw DecodeError(.invalidUTF8, "unpaired surrogate escape at byte \(i - 6)") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw DecodeError(.invalidUTF8, "unpaired surrogate escape at byte \(i - 6)")
                }
                appendScalar(scalar, arena)
            default:
                throw malformed("bad escape", at: i - 2)
            }
        }
    }

    func hex4(_ b: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = b[k]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    func appendScalar(_ s: UInt32, _ arena: ByteArena) {
        if s < 0x80 { arena.append(UInt8(s)) } else if s < 0x800 {
            arena.append(UInt8(0xC0 | s >> 6)); arena.append(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            arena.append(UInt8(0xE0 | s >> 12)); arena.append(UInt8(0x80 | s >> 6 & 0x3F)); arena.append(UInt8(0x80 | s & 0x3F))
        } else {
            arena.append(UInt8(0xF0 | s >> 18)); arena.append(UInt8(0x80 | s >> 12 & 0x3F))
            arena.append(UInt8(0x80 | s >> 6 & 0x3F)); arena.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Index after a number token starting at `start`.
    @inline(__always) func numberEnd(_ b: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < b.count {
            let c = b[i]
            if (c >= 48 && c <= 57) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { i += 1 } else { break }
        }
        return i
    }

    func literal(_ b: UnsafeRawBufferPointer, _ i: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let p = word.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return false }
        return true
    }

    /// Reads the value at `i` into the column's slot.
    func readValue(_ b: UnsafeRawBufferPointer, _ i: Int, column index: Int, frame: Frame) throws(DecodeError) -> Int {
        let type = types[index]
        currentColumn = index
        seen[index] = true
        let c = b[i]
        if c == UInt8(ascii: "\"") {
            let (s, e, escaped, after) = try scanString(b, i)
            if escaped {
                scratch.reset()
                try unescape(b, s, e, into: scratch)
                let text = UnsafeRawBufferPointer(start: scratch.storage, count: scratch.count)
                try SlotConversion.storeText(text, type: type, slot: index, frame: frame)
            } else {
                let text = UnsafeRawBufferPointer(rebasing: b[s..<e])
                if type.kind == .string {
                    try SlotConversion.storeString(text, type: type, slot: index, frame: frame)
                } else if type.isNumeric {
                    throw DecodeError(.wrongType, "column \u{1} expects \(type), found a string")
                } else {
                    try SlotConversion.storeText(text, type: type, slot: index, frame: frame)
                }
            }
            return after
        }
        if c == UInt8(ascii: "-") || (c >= 48 && c <= 57) {
            let end = numberEnd(b, i)
            let token = UnsafeRawBufferPointer(rebasing: b[i..<end])
            if type.kind == .string {
                throw DecodeError(.wrongType, "column \u{1} expects \(type), found a number")
            }
            try SlotConversion.storeNumber(token, type: type, slot: index, frame: frame)
            return end
        }
        if c == UInt8(ascii: "n"), literal(b, i, "null") { frame.setNull(index); return i + 4 }
        if c == UInt8(ascii: "t"), literal(b, i, "true") {
            guard type == .boolean else { throw DecodeError(.wrongType, "column \u{1} expects \(type), found a boolean") }
            frame.set(index, 1)
            return i + 4
        }
        if c == UInt8(ascii: "f"), literal(b, i, "false") {
            guard type == .boolean else { throw DecodeError(.wrongType, "column \u{1} expects \(type), found a boolean") }
            frame.set(index, 0)
            return i + 5
        }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
            _ = try skipValue(b, i, depth: 0)
            throw DecodeError(.wrongType, "column \u{1} expects \(type), found \(c == UInt8(ascii: "{") ? "an object" : "an array")")
        }
        throw malformed("unexpected character", at: i)
    }

    /// Validates and skips any JSON value; returns the index after it.
    func skipValue(_ b: UnsafeRawBufferPointer, _ start: Int, depth: Int) throws(DecodeError) -> Int {
        if depth > Self.maximumDepth { throw malformed("nesting deeper than \(Self.maximumDepth) levels", at: start) }
        let c = b[start]
        switch c {
        case UInt8(ascii: "\""):
            return try scanString(b, start).3
        case UInt8(ascii: "{"):
            return try scanObject(b, start, level: -1, frame: unusedFrame, depth: depth + 1)
        case UInt8(ascii: "["):
            var i = skipSpace(b, start + 1)
            if i < b.count, b[i] == UInt8(ascii: "]") { return i + 1 }
            while true {
                guard i < b.count else { throw malformed("unterminated array", at: start) }
                i = skipSpace(b, try skipValue(b, i, depth: depth + 1))
                guard i < b.count else { throw malformed("unterminated array", at: start) }
                if b[i] == UInt8(ascii: ",") { i = skipSpace(b, i + 1); continue }
                if b[i] == UInt8(ascii: "]") { return i + 1 }
                throw malformed("expected ',' or ']'", at: i)
            }
        case UInt8(ascii: "t"): if literal(b, start, "true") { return start + 4 }
        case UInt8(ascii: "f"): if literal(b, start, "false") { return start + 5 }
        case UInt8(ascii: "n"): if literal(b, start, "null") { return start + 4 }
        default:
            if c == UInt8(ascii: "-") || (c >= 48 && c <= 57) {
                let end = numberEnd(b, start)
                if !NumberParsing.isJSONNumber(UnsafeRawBufferPointer(rebasing: b[start..<end])) {
                    throw malformed("bad number", at: start)
                }
                return end
            }
        }
        throw malformed("unexpected character", at: start)
    }
}

