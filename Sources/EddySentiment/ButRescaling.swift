/// VADER's `_but_check`, quirk included: Python visits each sentiment and rescales
/// `sentiments[sentiments.index(value)]`, the first entry *equal* to the visited value, which is not
/// necessarily the visited entry ("nice nice but nice" rescales the first "nice" twice and never the
/// second). Entries before the "but" are halved, entries after it grow by half; zeros are skipped
/// because rescaling a zero leaves it zero.
enum ButRescaling {
    /// Beyond this many tokens the first-equal search switches from a linear scan (quadratic, as in
    /// Python) to per-value index heaps, so a huge text cannot stall the scorer.
    static let linearScanLimit = 256

    static func apply(_ tokens: UnsafeMutablePointer<Token>, count: Int, butIndex: Int) {
        if count <= linearScanLimit {
            applyByScanning(tokens, count: count, butIndex: butIndex)
        } else {
            applyByIndex(tokens, count: count, butIndex: butIndex)
        }
    }

    @inline(__always)
    private static func rescaled(_ value: Double, at index: Int, butIndex: Int) -> Double {
        index < butIndex ? value * 0.5 : index > butIndex ? value * 1.5 : value
    }

    /// Python's algorithm, literally.
    static func applyByScanning(_ tokens: UnsafeMutablePointer<Token>, count: Int, butIndex: Int) {
        for visited in 0 ..< count {
            let value = tokens[visited].valence
            if value == 0 { continue }
            var first = 0
            while tokens[first].valence != value { first += 1 }
            tokens[first].valence = rescaled(value, at: first, butIndex: butIndex)
        }
    }

    /// The same result in O(n log n): for every value present, a min-heap of the indices holding it.
    /// Non-zero finite doubles are equal exactly when their bit patterns are, so bits are the key.
    static func applyByIndex(_ tokens: UnsafeMutablePointer<Token>, count: Int, butIndex: Int) {
        var holders: [UInt64: [Int]] = [:]
        for index in 0 ..< count where tokens[index].valence != 0 {
            holders[tokens[index].valence.bitPattern, default: []].append(index)  // ascending: already a heap
        }
        for visited in 0 ..< count {
            let value = tokens[visited].valence
            if value == 0 { continue }
            guard let first = holders[value.bitPattern].flatMap({ $0.first }) else { continue }
            let newValue = rescaled(value, at: first, butIndex: butIndex)
            if newValue.bitPattern == value.bitPattern { continue }
            popMinimum(&holders[value.bitPattern, default: []])
            tokens[first].valence = newValue
            if newValue != 0 { push(first, into: &holders[newValue.bitPattern, default: []]) }
        }
    }

    private static func push(_ element: Int, into heap: inout [Int]) {
        heap.append(element)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func popMinimum(_ heap: inout [Int]) {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left] < heap[smallest] { smallest = left }
            if right < heap.count, heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
