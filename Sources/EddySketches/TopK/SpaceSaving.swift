/// Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi 2005) with per-item error bounds.
///
/// Keeps at most `capacity` counters. While the number of distinct items stays within capacity every
/// count is exact (error 0). Past it, a new item replaces the smallest counter and inherits its count
/// as error, so for every reported item `count - error ≤ true count ≤ count`, and any item whose true
/// count exceeds `totalWeight / capacity` is guaranteed to be monitored.
///
/// Counters sit in flat arrays ordered as a binary min-heap on count, so an update costs one hash
/// lookup plus O(log capacity) swaps and no allocation once the table has grown.
public struct SpaceSaving<Item: Hashable & Sendable>: Sendable {
    /// One reported heavy hitter.
    public struct Entry: Sendable, Equatable {
        public let item: Item
        /// Upper bound of the item's true count.
        public let count: Int64
        /// `count - error` is a lower bound of the true count.
        public let error: Int64
    }

    public let capacity: Int
    // Inlinable storage and update path: callers in other modules (the engine's TOP_K_ITEMS_TUMBLING)
    // get a specialized `insert` instead of unspecialized generic code, which looked up metadata and
    // went through value witnesses on every record.
    @usableFromInline var items: [Item] = []
    @usableFromInline var counts: [Int64] = []
    @usableFromInline var errors: [Int64] = []
    /// Arrival sequence of each counter's item, so equal counts report in a deterministic order.
    @usableFromInline var arrival: [UInt64] = []
    /// Each monitored item's counter number, which stays put while the heap moves counters around:
    /// a heap swap then updates two array cells instead of re-hashing both items into this dictionary.
    @usableFromInline var entryOf: [IndexKey: Int] = [:]

    /// `entryOf`'s key: the item with its hash computed once, which the dictionary uses as is
    /// (`_rawHashValue`), so it never runs `Hasher`'s SipHash over the item. Strings, the engine's
    /// TOP_K items, hash with `StableHash64` (several times cheaper on short keys); other items
    /// keep their own `hashValue`.
    @usableFromInline struct IndexKey: Hashable, Sendable {
        @usableFromInline let item: Item
        @usableFromInline let hashCode: Int

        @inlinable @inline(__always) init(_ item: Item) {
            self.item = item
            if let text = item as? String {
                hashCode = Int(truncatingIfNeeded: StableHash64.hash(text))
            } else {
                hashCode = item.hashValue
            }
        }

        @inlinable static func == (a: IndexKey, b: IndexKey) -> Bool { a.hashCode == b.hashCode && a.item == b.item }
        @inlinable func hash(into hasher: inout Hasher) { hasher.combine(hashCode) }
        @inlinable func _rawHashValue(seed: Int) -> Int { hashCode }
    }
    /// The counter number at each heap slot, and the heap slot of each counter number.
    @usableFromInline var entryAtSlot: [Int] = []
    @usableFromInline var slotOfEntry: [Int] = []
    @usableFromInline var nextArrival: UInt64 = 0
    /// Sum of all inserted weights (stored under its own name so the inlinable `insert` can update it).
    @usableFromInline var weightSum: Int64 = 0
    public internal(set) var totalWeight: Int64 {
        get { weightSum }
        set { weightSum = newValue }
    }

    public init(capacity: Int) throws(SketchConfigurationError) {
        guard capacity >= 1 else { throw SketchConfigurationError("Space-Saving capacity \(capacity) must be ≥ 1") }
        self.capacity = capacity
        entryOf.reserveCapacity(capacity)
    }

    /// The heap slot of `item`'s counter, if it is monitored.
    @inlinable @inline(__always)
    func slot(of item: Item) -> Int? {
        entryOf[IndexKey(item)].map { slotOfEntry[$0] }
    }

    /// Appends a counter at the next heap slot (its counter number is that slot); the caller restores heap order.
    @inlinable
    mutating func appendCounter(_ item: Item, count: Int64, error: Int64, arrival sequence: UInt64) {
        let slot = items.count
        items.append(item)
        counts.append(count)
        errors.append(error)
        arrival.append(sequence)
        entryAtSlot.append(slot)
        slotOfEntry.append(slot)
        entryOf[IndexKey(item)] = slot
    }

    /// Distinct items currently monitored.
    public var monitoredCount: Int { items.count }

    /// Whether every reported count is exact (no counter was ever recycled).
    public var isExact: Bool { errors.allSatisfy { $0 == 0 } }

    /// Counts `item` with `weight` (≥ 1) occurrences.
    @inlinable
    public mutating func insert(_ item: Item, weight: Int64 = 1) throws(SketchConfigurationError) {
        guard weight >= 1 else { throw SketchConfigurationError("Space-Saving weight \(weight) must be ≥ 1") }
        weightSum += weight
        let key = IndexKey(item)
        if let entry = entryOf[key] {
            let slot = slotOfEntry[entry]
            counts[slot] += weight
            siftDown(slot)
            return
        }
        if items.count < capacity {
            let slot = items.count
            appendCounter(item, count: weight, error: 0, arrival: nextArrival)
            nextArrival += 1
            siftUp(slot)
            return
        }
        // Recycle the minimum counter (heap root), keeping its counter number.
        let floor = counts[0]
        entryOf.removeValue(forKey: IndexKey(items[0]))
        items[0] = item
        counts[0] = floor + weight
        errors[0] = floor
        arrival[0] = nextArrival
        nextArrival += 1
        entryOf[key] = entryAtSlot[0]
        siftDown(0)
    }

    /// The estimated count of `item` (0 with error bound `minimumCount` if unmonitored).
    public func estimate(_ item: Item) -> (count: Int64, error: Int64) {
        if let slot = slot(of: item) { return (counts[slot], errors[slot]) }
        let floor = items.count < capacity ? 0 : counts[0]
        return (floor, floor)
    }

    /// The `k` largest counters, by count descending then first arrival.
    public func top(_ k: Int) -> [Entry] {
        let order = (0..<items.count).sorted { a, b in
            counts[a] != counts[b] ? counts[a] > counts[b] : arrival[a] < arrival[b]
        }
        return order.prefix(max(0, k)).map { Entry(item: items[$0], count: counts[$0], error: errors[$0]) }
    }

    /// Starts a new window, keeping allocated storage.
    public mutating func reset() {
        items.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        errors.removeAll(keepingCapacity: true)
        arrival.removeAll(keepingCapacity: true)
        entryAtSlot.removeAll(keepingCapacity: true)
        slotOfEntry.removeAll(keepingCapacity: true)
        entryOf.removeAll(keepingCapacity: true)
        nextArrival = 0
        totalWeight = 0
    }

    /// Merges another summary (Agarwal et al., "Mergeable summaries", 2012): an item missing from a full
    /// summary is credited that summary's minimum count as both count and error, then the largest
    /// `capacity` counters are kept. The bounds `count - error ≤ true ≤ count` still hold.
    public mutating func merge(_ other: SpaceSaving<Item>) throws(SketchConfigurationError) {
        guard other.capacity == capacity else {
            throw SketchConfigurationError("cannot merge Space-Saving capacity \(other.capacity) into \(capacity)")
        }
        let selfFloor: Int64 = items.count < capacity ? 0 : counts[0]
        let otherFloor: Int64 = other.items.count < other.capacity ? 0 : other.counts[0]
        var merged: [(item: Item, count: Int64, error: Int64, arrival: UInt64)] = []
        merged.reserveCapacity(items.count + other.items.count)
        for slot in 0..<items.count {
            let item = items[slot]
            if let o = other.slot(of: item) {
                merged.append((item, counts[slot] + other.counts[o], errors[slot] + other.errors[o], arrival[slot]))
            } else {
                merged.append((item, counts[slot] + otherFloor, errors[slot] + otherFloor, arrival[slot]))
            }
        }
        for slot in 0..<other.items.count where entryOf[IndexKey(other.items[slot])] == nil {
            merged.append((other.items[slot], other.counts[slot] + selfFloor, other.errors[slot] + selfFloor,
                           nextArrival + other.arrival[slot]))
        }
        merged.sort { $0.count != $1.count ? $0.count > $1.count : $0.arrival < $1.arrival }
        let total = totalWeight + other.totalWeight
        let nextSequence = nextArrival + other.nextArrival
        reset()
        for entry in merged.prefix(capacity) {
            let slot = items.count
            appendCounter(entry.item, count: entry.count, error: entry.error, arrival: entry.arrival)
            siftUp(slot)
        }
        totalWeight = total
        nextArrival = nextSequence
    }

    // MARK: heap on counts

    /// The counter arrays as unsafe buffers, for the sift loops: swapping through the arrays checked
    /// each one's uniqueness and bounds on every swap, a large part of an update's cost.
    @usableFromInline struct Heap {
        @usableFromInline let items: UnsafeMutableBufferPointer<Item>
        @usableFromInline let counts: UnsafeMutableBufferPointer<Int64>
        @usableFromInline let errors: UnsafeMutableBufferPointer<Int64>
        @usableFromInline let arrival: UnsafeMutableBufferPointer<UInt64>
        @usableFromInline let entryAtSlot: UnsafeMutableBufferPointer<Int>
        @usableFromInline let slotOfEntry: UnsafeMutableBufferPointer<Int>

        @inlinable init(_ items: UnsafeMutableBufferPointer<Item>, _ counts: UnsafeMutableBufferPointer<Int64>,
                        _ errors: UnsafeMutableBufferPointer<Int64>, _ arrival: UnsafeMutableBufferPointer<UInt64>,
                        _ entryAtSlot: UnsafeMutableBufferPointer<Int>, _ slotOfEntry: UnsafeMutableBufferPointer<Int>) {
            self.items = items; self.counts = counts; self.errors = errors; self.arrival = arrival
            self.entryAtSlot = entryAtSlot; self.slotOfEntry = slotOfEntry
        }

        /// Heap order: smaller count first; on equal counts, the later arrival first.
        @inlinable @inline(__always) func less(_ a: Int, _ b: Int) -> Bool {
            counts[a] != counts[b] ? counts[a] < counts[b] : arrival[a] > arrival[b]
        }

        @inlinable @inline(__always) func swapSlots(_ a: Int, _ b: Int) {
            items.swapAt(a, b)
            counts.swapAt(a, b)
            errors.swapAt(a, b)
            arrival.swapAt(a, b)
            entryAtSlot.swapAt(a, b)
            slotOfEntry[entryAtSlot[a]] = a
            slotOfEntry[entryAtSlot[b]] = b
        }
    }

    @inlinable
    mutating func withHeap(_ body: (Heap) -> Void) {
        items.withUnsafeMutableBufferPointer { items in
            counts.withUnsafeMutableBufferPointer { counts in
                errors.withUnsafeMutableBufferPointer { errors in
                    arrival.withUnsafeMutableBufferPointer { arrival in
                        entryAtSlot.withUnsafeMutableBufferPointer { entryAtSlot in
                            slotOfEntry.withUnsafeMutableBufferPointer { slotOfEntry in
                                body(Heap(items, counts, errors, arrival, entryAtSlot, slotOfEntry))
                            }
                        }
                    }
                }
            }
        }
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        guard start > 0 else { return }
        withHeap { heap in
            var child = start
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap.less(child, parent) else { return }
                heap.swapSlots(child, parent)
                child = parent
            }
        }
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        let n = items.count
        // A leaf has nothing below it (the usual case for the frequent items' increments).
        guard 2 * start + 1 < n else { return }
        withHeap { heap in
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < n else { return }
                var smallest = left
                if left + 1 < n, heap.less(left + 1, left) { smallest = left + 1 }
                guard heap.less(smallest, parent) else { return }
                heap.swapSlots(parent, smallest)
                parent = smallest
            }
        }
    }
}
