import EddyCore
import EddySketches

/// A group table as bytes: its arena verbatim (keys and the strings the groups keep, so every
/// string reference in the state words stays valid), the groups' hashes, key references and state
/// words in group order, and the APPROX_COUNT_DISTINCT sketches. Group numbers survive the round
/// trip; the probe index is rebuilt from the hashes. Only a table without removed groups is
/// written: operators that remove groups compact first (GroupTable+Compaction.swift).
extension GroupTable {
    func write(into writer: inout ByteWriter) {
        precondition(deadCount == 0, "compact a table before writing it")
        writer.write(stateWords)
        writer.write(count)
        writer.write(bytes: Array(UnsafeBufferPointer(start: arena.storage, count: arena.count)))
        writer.write(uint64s: hashes)
        writer.write(uint64s: keyRefs)
        for i in 0..<(count * stateWords) { writer.write(state[i]) }
        writer.write(sketches.count)
        for counter in sketches.counters { writer.write(bytes: counter.snapshotBytes()) }
    }

    /// Reads a table written by `write(into:)`, checking every key reference and hash.
    static func read(from r: inout ByteReader, stateWords: Int) throws(SketchDecodingError) -> GroupTable {
        let words = try r.readInt("state words")
        guard words == stateWords else { throw SketchDecodingError("group table has \(words) state words, expected \(stateWords)") }
        let groups = try r.readCount("group count", max: 1 << 28)
        let arenaBytes = try r.readBytes("group arena", max: 1 << 40)
        var capacity = 64
        while groups * 2 > capacity { capacity *= 2 }
        let table = GroupTable(stateWords: stateWords, capacity: capacity)
        arenaBytes.withUnsafeBytes { table.arena.append($0) }
        let hashes = try r.readUInt64s("group hashes", max: groups)
        let refs = try r.readUInt64s("group keys", max: groups)
        guard hashes.count == groups, refs.count == groups else { throw SketchDecodingError("group table lists disagree on the group count") }
        for g in 0..<groups {
            guard StringRef.offset(refs[g]) + StringRef.length(refs[g]) <= arenaBytes.count else {
                throw SketchDecodingError("group \(g)'s key lies outside the table's arena")
            }
            guard GroupKey.hash(table.arena.bytes(refs[g])) == hashes[g] else { throw SketchDecodingError("group \(g)'s key does not match its hash") }
        }
        table.hashes = hashes
        table.keyRefs = refs
        table.live = [Bool](repeating: true, count: groups)
        if groups * stateWords > table.stateCapacity {
            table.state.deallocate()
            table.stateCapacity = groups * stateWords
            table.state = .allocate(capacity: table.stateCapacity)
        }
        for i in 0..<(groups * stateWords) { table.state[i] = try r.readUInt64("state word") }
        let sketchCount = try r.readCount("sketch count", max: max(groups * stateWords, 0))
        for _ in 0..<sketchCount {
            table.sketches.append(try DistinctCounter(snapshotBytes: try r.readBytes("distinct sketch", max: 1 << 30)))
        }
        table.rehashIndex()
        return table
    }

    /// Makes this table a copy of `other` (for operators that hold their table in a constant).
    func replaceContents(with other: GroupTable) {
        precondition(other.stateWords == stateWords, "checked while decoding")
        arena.reset()
        arena.append(UnsafeRawBufferPointer(start: other.arena.storage, count: other.arena.count))
        hashes = other.hashes
        keyRefs = other.keyRefs
        live = other.live
        deadCount = other.deadCount
        let words = other.count * stateWords
        if words > stateCapacity {
            state.deallocate()
            stateCapacity = words
            state = .allocate(capacity: stateCapacity)
        }
        state.update(from: other.state, count: words)
        sketches.counters = other.sketches.counters
        index = other.index
        mask = other.mask
    }

    /// Rebuilds the probe index for the current groups.
    func rehashIndex() {
        index = [Int32](repeating: -1, count: index.count)
        for g in 0..<hashes.count {
            var i = Int(truncatingIfNeeded: hashes[g]) & mask
            while index[i] >= 0 { i = (i + 1) & mask }
            index[i] = Int32(g)
        }
    }

    /// Approximate bytes held: arena, lists, state words and sketches.
    var stateBytes: Int {
        arena.count + count * (16 + stateWords * 8) + index.count * 4
            + sketches.counters.reduce(0) { $0 + ($1.isExact ? Int($1.count) * 16 : (1 << $1.lgK)) }
    }
}

extension Accumulators {
    /// Checks that the state words of `groups` groups only reference strings inside `table`'s arena
    /// and sketches the table has, so a restored window can never read out of bounds.
    func validate(_ table: GroupTable, groups: Int) throws(SketchDecodingError) {
        let arenaCount = table.arena.count
        for g in 0..<groups {
            let s = table.state + g * stateWords
            for k in 0..<plans.count {
                let a = s + k * Self.width
                switch plans[k].function {
                case .min, .max, .firstValue, .lastValue:
                    // Set (a[1]) and not a NULL FIRST/LAST value (a[2]): a[0] references the arena.
                    guard kinds[k] == .string, a[1] != 0, a[2] == 0 else { continue }
                    guard StringRef.offset(a[0]) + StringRef.length(a[0]) <= arenaCount else {
                        throw SketchDecodingError("group \(g) keeps a string outside the table's arena")
                    }
                case .approxCountDistinct:
                    guard a[0] <= UInt64(table.sketches.count) else {
                        throw SketchDecodingError("group \(g) refers to distinct sketch \(a[0]) of \(table.sketches.count)")
                    }
                default: continue
                }
            }
        }
    }
}
