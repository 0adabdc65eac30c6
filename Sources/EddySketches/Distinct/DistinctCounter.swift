/// KDA's COUNT_DISTINCT_ITEMS_TUMBLING semantics: an exact count up to `exactLimit` distinct items
/// (10,000 by default, as KDA documents), then a HyperLogLog estimate.
///
/// The exact phase keeps the items' 64-bit `StableHash64` hashes; with at most 10,000 items the
/// chance of any collision is below 3·10⁻¹² per window, so the count is exact in practice.
public struct DistinctCounter: Sendable, Equatable {
    public static let kdaExactLimit = 10_000

    public let exactLimit: Int
    public let lgK: Int
    @usableFromInline var exact: HashWordSet
    @usableFromInline var sketch: HyperLogLog?

    /// - Parameters:
    ///   - exactLimit: distinct items counted exactly before switching to HyperLogLog.
    ///   - lgK: HyperLogLog precision used past the limit (default 14: 16 KiB, ≈0.5 % error).
    public init(exactLimit: Int = DistinctCounter.kdaExactLimit, lgK: Int = 14) throws(SketchConfigurationError) {
        guard exactLimit >= 0 else { throw SketchConfigurationError("exactLimit \(exactLimit) is negative") }
        _ = try HyperLogLog(lgK: lgK)
        self.exactLimit = exactLimit
        self.lgK = lgK
        exact = HashWordSet()
    }

    /// Whether the count is still exact.
    public var isExact: Bool { sketch == nil }

    @inlinable
    public mutating func insert(hash: UInt64) {
        if sketch != nil {
            sketch!.insert(hash: hash)
            return
        }
        exact.insert(hash)
        if exact.count > exactLimit { promote() }
    }

    public mutating func insert(_ string: String) { insert(hash: StableHash64.hash(string)) }
    public mutating func insert(_ value: Int64) { insert(hash: StableHash64.hash(value)) }
    public mutating func insert(_ value: Double) { insert(hash: StableHash64.hash(value)) }

    @usableFromInline mutating func promote() {
        var hll = try! HyperLogLog(lgK: lgK) // lgK validated in init
        for hash in Self.promotionOrder(exact) { hll.insert(hash: hash) }
        sketch = hll
        exact = HashWordSet()
    }

    /// The order in which exact hashes enter the sketch. HIP's estimate depends on insertion order,
    /// so Set order (which depends on the process's hash seed and the set's history) would make a
    /// restored counter drift from an uninterrupted one; plain sorted order would feed registers by
    /// index (the hash's top bits) and bias HIP. Sorting by a bijective mix of the hash is both
    /// deterministic and, as far as the registers can tell, random.
    static func promotionOrder(_ hashes: HashWordSet) -> [UInt64] {
        func mix(_ h: UInt64) -> UInt64 {
            var z = h &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
            return z ^ (z >> 32)
        }
        return hashes.members.sorted { mix($0) < mix($1) }
    }

    /// The number of distinct items: exact while `isExact`, rounded HyperLogLog estimate after.
    public var count: Int64 {
        if let sketch { return Int64(sketch.estimate.rounded()) }
        return Int64(exact.count)
    }

    /// Starts a new window, keeping the allocated capacity of the exact set.
    public mutating func reset() {
        exact.removeAll(keepingCapacity: true)
        sketch = nil
    }

    /// Combines two counters (for example partial windows); exact while the union stays within the limit.
    public mutating func merge(_ other: DistinctCounter) throws(SketchConfigurationError) {
        guard other.lgK == lgK else {
            throw SketchConfigurationError("cannot merge DistinctCounter lgK \(other.lgK) into lgK \(lgK)")
        }
        if sketch == nil, other.sketch == nil {
            exact.formUnion(other.exact)
            if exact.count > exactLimit { promote() }
            return
        }
        if sketch == nil { promote() }
        if let otherSketch = other.sketch {
            try sketch!.merge(otherSketch)
        } else {
            for hash in Self.promotionOrder(other.exact) { sketch!.insert(hash: hash) }
        }
    }
}
