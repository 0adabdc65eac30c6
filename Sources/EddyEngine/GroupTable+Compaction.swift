import EddyCore
import EddySketches

/// Removing groups from a `GroupTable`, and compacting it.
///
/// Why compaction rather than in-place deletion: the probe index is linear probing over dense group
/// numbers that operators use to index their parallel arrays (window starts, partitions, forests),
/// and the arena is append-only. Removing marks a tombstone in O(1); `compact` later rebuilds the
/// table with the live groups only, in their order, so its cost is paid once per many removals and
/// never on the per-record path.
///
/// The compacted form depends only on the live groups and their contents (keys, state words, the
/// strings and sketches they keep), not on when earlier compactions ran: snapshots compact first, so
/// equal logical states give byte-identical snapshots (the restore invariant of issue 6).
extension GroupTable {
    /// Groups that have not been removed.
    var liveCount: Int { count - deadCount }

    /// Marks `group` removed: its key no longer matches, and its number stays taken until `compact`.
    func remove(_ group: Int) {
        precondition(live[group], "a group is removed once")
        live[group] = false
        hashes[group] = ~hashes[group]
        deadCount += 1
    }

    /// Whether enough groups are dead for a compaction to pay for itself (at least half the
    /// numbers, and at least 64 of them), checked on watermarks.
    var isWorthCompacting: Bool { deadCount >= 64 && deadCount * 2 >= count }

    /// Rebuilds the table with the live groups only, in their order: keys, then the strings and
    /// APPROX_COUNT_DISTINCT sketches their state keeps (relocated by `accumulators`; nil when the
    /// state words hold no references). Returns each old group's new number (-1 when removed).
    @discardableResult
    func compact(relocating accumulators: Accumulators?) -> [Int] {
        var capacity = 64
        while liveCount * 2 > capacity { capacity *= 2 }
        let rebuilt = GroupTable(stateWords: stateWords, capacity: capacity)
        var mapping = [Int](repeating: -1, count: count)
        if rebuilt.stateCapacity < liveCount * stateWords {
            rebuilt.state.deallocate()
            rebuilt.stateCapacity = liveCount * stateWords
            rebuilt.state = .allocate(capacity: rebuilt.stateCapacity)
        }
        var next = 0
        for group in 0..<count where live[group] {
            mapping[group] = next
            rebuilt.hashes.append(hashes[group])
            rebuilt.keyRefs.append(rebuilt.arena.copy(keyRefs[group], from: arena))
            rebuilt.live.append(true)
            let target = rebuilt.state + next * stateWords
            target.update(from: state + group * stateWords, count: stateWords)
            accumulators?.relocate(target, from: arena, sketches: sketches, to: rebuilt.arena, sketches: rebuilt.sketches)
            next += 1
        }
        rebuilt.rehashIndex()
        replaceContents(with: rebuilt)
        return mapping
    }
}

extension Accumulators {
    /// Moves what one group's state words reference from one table to another: strings kept by
    /// MIN/MAX/FIRST_VALUE/LAST_VALUE are copied into `newArena`, APPROX_COUNT_DISTINCT sketches
    /// are appended to `newSketches`, and the words are rewritten to point at the copies.
    func relocate(_ s: UnsafeMutablePointer<UInt64>, from oldArena: ByteArena, sketches oldSketches: DistinctSketches,
                  to newArena: ByteArena, sketches newSketches: DistinctSketches) {
        for k in 0..<plans.count {
            let a = s + k * Self.width
            switch plans[k].function {
            case .min, .max, .firstValue, .lastValue:
                guard kinds[k] == .string, a[1] != 0, a[2] == 0 else { continue }
                a[0] = newArena.copy(a[0], from: oldArena)
            case .approxCountDistinct:
                guard a[0] != 0 else { continue }
                newSketches.append(oldSketches.counter(Int(a[0]) - 1))
                a[0] = UInt64(newSketches.count)
            default: continue
            }
        }
    }
}
