public import Synchronization

/// A monotonically increasing count (records, errors). Obtain it once from a family, keep it, and
/// call `increment` on the hot path: that is one relaxed atomic add, with no lock and no allocation.
public final class Counter: Sendable {
    @usableFromInline let storage = Atomic<UInt64>(0)

    init() {}

    /// Adds `amount` (default 1).
    @inlinable
    public func increment(by amount: UInt64 = 1) {
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current total.
    public var value: UInt64 { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down (lag, delay, a timestamp). Stored as the bit pattern of a `Double`
/// in one atomic word, so `set` is a single relaxed store and readers never see a torn value.
public final class Gauge: Sendable {
    @usableFromInline let bits = Atomic<UInt64>(0.0.bitPattern)

    init() {}

    /// Replaces the value.
    @inlinable
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Replaces the value with an integer one (offsets, lag in messages).
    @inlinable
    public func set(_ value: Int64) {
        set(Double(value))
    }

    /// Adds `delta` with a compare-and-exchange loop, so concurrent adds are never lost.
    @inlinable
    public func add(_ delta: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = bits.compareExchange(
                expected: current, desired: next, ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    /// The current value.
    public var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }
}

/// One atomic slot of a histogram. A class because `Atomic` is non-copyable and cannot sit in an Array.
@usableFromInline
final class AtomicCount: Sendable {
    @usableFromInline let count = Atomic<UInt64>(0)
    init() {}
}

/// A distribution of observations over fixed upper bounds (latencies, scores). `observe` finds the
/// bucket by binary search over the bounds and does two relaxed atomic adds plus one CAS for the sum.
public final class Histogram: Sendable {
    /// Upper bounds, strictly increasing and finite; `+Inf` is implicit.
    public let upperBounds: [Double]
    /// Non-cumulative counts, one per bound plus one for `+Inf`; made cumulative when rendered.
    @usableFromInline let buckets: [AtomicCount]
    @usableFromInline let sumBits = Atomic<UInt64>(0.0.bitPattern)
    @usableFromInline let total = Atomic<UInt64>(0)

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.buckets = (0...upperBounds.count).map { _ in AtomicCount() }
    }

    /// Records one observation. NaN counts toward `+Inf` and the sum, as Prometheus clients do.
    @inlinable
    public func observe(_ value: Double) {
        var low = 0
        var high = upperBounds.count
        // First bound >= value (Prometheus buckets are `le`, inclusive).
        while low < high {
            let mid = (low &+ high) >> 1
            if upperBounds[mid] < value { low = mid &+ 1 } else { high = mid }
        }
        if value.isNaN { low = upperBounds.count }
        buckets[low].count.wrappingAdd(1, ordering: .relaxed)
        total.wrappingAdd(1, ordering: .relaxed)
        var current = sumBits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + value).bitPattern
            let (exchanged, original) = sumBits.compareExchange(
                expected: current, desired: next, ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    /// Number of observations so far.
    public var count: UInt64 { total.load(ordering: .relaxed) }

    /// Sum of all observations so far.
    public var sum: Double { Double(bitPattern: sumBits.load(ordering: .relaxed)) }

    /// Cumulative counts per bound (`le`), the last one being `+Inf`.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return buckets.map { bucket in
            running &+= bucket.count.load(ordering: .relaxed)
            return running
        }
    }
}
