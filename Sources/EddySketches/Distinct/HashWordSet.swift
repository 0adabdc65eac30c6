/// A set of 64-bit hash values (DistinctCounter's exact phase), open addressing with linear probing.
///
/// Why not `Set<UInt64>`: its members are already `StableHash64` outputs, well mixed in every bit,
/// yet `Set` runs each through a seeded SipHash again on every insert; in the rollup pumps that
/// re-hashing and the generic set machinery were a tenth of the engine's time per record. Here a
/// member's own low bits pick its bucket. Iteration order is not defined (callers sort), as with `Set`.
public struct HashWordSet: Sendable {
    /// Buckets; 0 marks an empty one, so the value 0 itself is tracked by `containsZero`.
    @usableFromInline var buckets: [UInt64]
    @usableFromInline var mask: Int
    @usableFromInline var containsZero = false
    /// Members other than 0.
    @usableFromInline var stored = 0

    public init() {
        buckets = [UInt64](repeating: 0, count: 16)
        mask = 15
    }

    public init(_ members: some Sequence<UInt64>) {
        self.init()
        for member in members { insert(member) }
    }

    public var count: Int { stored + (containsZero ? 1 : 0) }
    public var isEmpty: Bool { count == 0 }

    /// Adds `member`; returns whether it was new.
    @inlinable @discardableResult
    public mutating func insert(_ member: UInt64) -> Bool {
        if member == 0 {
            if containsZero { return false }
            containsZero = true
            return true
        }
        // At most three quarters full (as `Set`): probes mostly stay within one cache line.
        if (stored + 1) * 4 > buckets.count * 3 { grow() }
        let mask = self.mask
        let added = buckets.withUnsafeMutableBufferPointer { b in
            var i = Int(truncatingIfNeeded: member) & mask
            while true {
                let current = b[i]
                if current == member { return false }
                if current == 0 {
                    b[i] = member
                    return true
                }
                i = (i &+ 1) & mask
            }
        }
        if added { stored += 1 }
        return added
    }

    public func contains(_ member: UInt64) -> Bool {
        if member == 0 { return containsZero }
        var i = Int(truncatingIfNeeded: member) & mask
        while true {
            let current = buckets[i]
            if current == member { return true }
            if current == 0 { return false }
            i = (i &+ 1) & mask
        }
    }

    @usableFromInline mutating func grow() {
        let old = buckets
        let mask = old.count * 2 - 1
        var bigger = [UInt64](repeating: 0, count: old.count * 2)
        // Members are distinct: each goes to the first empty bucket from its own, no comparison needed.
        bigger.withUnsafeMutableBufferPointer { b in
            old.withUnsafeBufferPointer { members in
                for member in members where member != 0 {
                    var i = Int(truncatingIfNeeded: member) & mask
                    while b[i] != 0 { i = (i &+ 1) & mask }
                    b[i] = member
                }
            }
        }
        buckets = bigger
        self.mask = mask
    }

    /// Empties the set, keeping its buckets.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        if keepingCapacity {
            buckets.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            buckets = [UInt64](repeating: 0, count: 16)
            mask = 15
        }
        stored = 0
        containsZero = false
    }

    /// The members, in no defined order.
    public var members: [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(count)
        if containsZero { result.append(0) }
        for member in buckets where member != 0 { result.append(member) }
        return result
    }

    public mutating func formUnion(_ other: HashWordSet) {
        if other.containsZero { containsZero = true }
        for member in other.buckets where member != 0 { insert(member) }
    }
}

extension HashWordSet: Equatable {
    public static func == (lhs: HashWordSet, rhs: HashWordSet) -> Bool {
        guard lhs.count == rhs.count, lhs.containsZero == rhs.containsZero else { return false }
        return lhs.buckets.allSatisfy { $0 == 0 || rhs.contains($0) }
    }
}
