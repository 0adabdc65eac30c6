/// The open stagger windows by start, oldest first: a binary min-heap of (start, group), so a
/// watermark finds the windows it closes in O(closed · log open) instead of scanning every key
/// (with many keys, each watermark step closes about one window: the scan was the whole cost).
///
/// Entries are not removed when a window closes another way (a later row of its key, `finish`):
/// the owner skips an entry whose group no longer has that start. Each window is pushed once, so
/// stale entries are bounded by the windows opened within one range.
struct WindowStartQueue {
    private(set) var entries: [(start: Int64, group: Int)] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The oldest start, if any: a lower bound on every open window's start.
    var minimum: (start: Int64, group: Int)? { entries.first }

    mutating func push(start: Int64, group: Int) {
        entries.append((start, group))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes the oldest entry. - Precondition: not empty.
    mutating func removeMinimum() {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, Self.less(entries[left], entries[smallest]) { smallest = left }
            if right < entries.count, Self.less(entries[right], entries[smallest]) { smallest = right }
            if smallest == parent { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Replaces the contents with each group's open window (`.min`: none).
    mutating func rebuild(from starts: [Int64]) {
        entries.removeAll(keepingCapacity: true)
        for (group, start) in starts.enumerated() where start != .min { push(start: start, group: group) }
    }

    /// Start first, then group: a total order, so ties pop deterministically.
    private static func less(_ a: (start: Int64, group: Int), _ b: (start: Int64, group: Int)) -> Bool {
        a.start != b.start ? a.start < b.start : a.group < b.group
    }
}
