/// SplitMix64 (Steele, Lea & Flood): the one seeded generator that sketches, corpora, workloads and
/// tests share.
///
/// Its output depends only on the seed, on every platform and Swift version (draws use only
/// `next()` and explicit arithmetic), so "same seed, same data" holds across modules and the Python
/// references can reproduce it. One word of state keeps forest snapshots small and makes "a
/// restored generator continues identically" trivially true; it passes BigCrush, which is ample
/// for choosing cuts, reservoir keys and test data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The whole state: saving it and resuming with `init(state:)` continues the same sequence.
    public var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    @inlinable public init(seed: UInt64) { state = seed }

    /// A generator that continues from a saved `state`.
    @inlinable public init(state: UInt64) { self.state = state }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finalizer: a bijection on UInt64 with good avalanche, also used on its own to
    /// derive well-spread ids and hashes from sequence numbers.
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    @inlinable @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in (0, 1): safe under `log`.
    @inlinable @inline(__always)
    public mutating func nextOpenUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }
}
