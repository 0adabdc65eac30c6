/// The forest's random source: SplitMix64, one 64-bit word of state per tree.
///
/// Tiny state keeps snapshots small and makes "restore continues identically" trivially true;
/// the generator is fast and passes BigCrush, which is ample for choosing cuts and reservoir keys.
struct SplitMix64 {
    var state: UInt64

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in (0, 1): safe under `log`.
    @inline(__always)
    mutating func nextOpenUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }
}
