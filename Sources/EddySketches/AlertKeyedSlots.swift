/// Per-key values in preallocated slots with least-recently-seen eviction, shared by the keyed alert types.
///
/// Slots live in flat arrays linked into a recency list by index, so touching a key that is already
/// present is O(1) and allocates nothing; the dictionary and arrays are reserved for `capacity` up front.
/// When a new key arrives and every slot is taken, the least recently seen key is evicted, its slot is
/// reused, and the eviction is counted (and returned, so the caller can account for what it loses).
struct AlertKeyedSlots<Key: Hashable, Value> {
    let capacity: Int
    private var slotByKey: [Key: Int32]
    private(set) var keys: [Key] = []
    var values: [Value] = []
    private var older: [Int32] = []
    private var newer: [Int32] = []
    private var oldest: Int32 = -1
    private var newest: Int32 = -1
    /// Slots freed by `remove`, reused before new ones.
    private var free: [Int32] = []
    private(set) var evictionCount: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0, "validated by the owning type")
        self.capacity = capacity
        slotByKey = Dictionary(minimumCapacity: capacity)
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        older.reserveCapacity(capacity)
        newer.reserveCapacity(capacity)
    }

    var count: Int { keys.count - free.count }

    /// The slot of `key` without touching its recency, or nil.
    func slot(of key: Key) -> Int? {
        slotByKey[key].map(Int.init)
    }

    /// The slot of `key`, marked most recently seen; a new key gets `makeValue()` (evicting if full).
    mutating func touch(_ key: Key, makeValue: () -> Value) -> (slot: Int, evicted: (key: Key, value: Value)?) {
        if let existing = slotByKey[key] {
            moveToNewest(existing)
            return (Int(existing), nil)
        }
        if let slot = free.popLast() {
            keys[Int(slot)] = key
            values[Int(slot)] = makeValue()
            slotByKey[key] = slot
            linkAsNewest(slot)
            return (Int(slot), nil)
        }
        if keys.count < capacity {
            let slot = Int32(keys.count)
            keys.append(key)
            values.append(makeValue())
            older.append(-1)
            newer.append(-1)
            slotByKey[key] = slot
            linkAsNewest(slot)
            return (Int(slot), nil)
        }
        let victim = oldest
        let evicted = (key: keys[Int(victim)], value: values[Int(victim)])
        unlink(victim)
        slotByKey.removeValue(forKey: evicted.key)
        evictionCount += 1
        keys[Int(victim)] = key
        values[Int(victim)] = makeValue()
        slotByKey[key] = victim
        linkAsNewest(victim)
        return (Int(victim), evicted)
    }

    /// Removes `key` and its value (the caller decided it is no longer needed; not counted as an
    /// eviction, which means "dropped for room"). Returns the value, or nil if the key is absent.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let slot = slotByKey.removeValue(forKey: key) else { return nil }
        unlink(slot)
        free.append(slot)
        return values[Int(slot)]
    }

    /// Visits slots from the least to the most recently seen: a deterministic order for snapshots and scans.
    func forEachSlotOldestFirst<E: Error>(_ body: (Int) throws(E) -> Void) throws(E) {
        var slot = oldest
        while slot >= 0 {
            try body(Int(slot))
            slot = newer[Int(slot)]
        }
    }

    /// The least recently seen slot, or nil when empty; with `slot(newerThan:)`, a cursor that lets the
    /// caller mutate `values` while walking (a closure-based walk could not, under exclusivity rules).
    var oldestSlot: Int? { oldest >= 0 ? Int(oldest) : nil }

    func slot(newerThan slot: Int) -> Int? {
        let next = newer[slot]
        return next >= 0 ? Int(next) : nil
    }

    /// Restores the eviction counter after re-inserting a snapshot's keys oldest first.
    mutating func restoreEvictionCount(_ count: UInt64) {
        evictionCount = count
    }

    private mutating func moveToNewest(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let before = older[Int(slot)]
        let after = newer[Int(slot)]
        if before >= 0 { newer[Int(before)] = after } else { oldest = after }
        if after >= 0 { older[Int(after)] = before } else { newest = before }
        older[Int(slot)] = -1
        newer[Int(slot)] = -1
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        older[Int(slot)] = newest
        newer[Int(slot)] = -1
        if newest >= 0 { newer[Int(newest)] = slot } else { oldest = slot }
        newest = slot
    }
}

extension AlertKeyedSlots: Sendable where Key: Sendable, Value: Sendable {}
