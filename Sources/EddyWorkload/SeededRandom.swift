import EddyCore

/// xoshiro256** seeded through SplitMix64: a fast, well-tested PRNG whose output depends only
/// on the seed, on every platform and Swift version.
///
/// The review stream must be reproducible (same seed → identical bytes) so tests, benchmarks and
/// demos can be compared run to run; `SystemRandomNumberGenerator` would make that impossible,
/// and the standard library's `random(in:)` algorithms are not guaranteed stable across
/// releases, so draws here use only `next()` and explicit arithmetic.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        state = (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift; the tiny bias is irrelevant here
    /// and keeps the draw count fixed, which keeps streams aligned across changes).
    public mutating func nextBelow(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        nextUnit() < probability
    }

    private func rotate(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
