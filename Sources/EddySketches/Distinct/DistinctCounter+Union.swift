/// Combining distinct counters of disjoint shares of one stream (issue 6, global aggregates under
/// scale-out: each task counts its own partitions, a combiner unions the tasks' counters).
///
/// The union is a function of the *set* of items alone, never of how the stream was split or in
/// which order the parts are folded (it is associative and commutative), so a combined count does
/// not depend on how many tasks ran:
/// - while the union holds at most `exactLimit` items it is the exact union of the hashes, equal to
///   the count of one counter fed the whole stream;
/// - past the limit it is a HyperLogLog holding exactly the registers (or, in sparse mode, the
///   sparse entries) one counter fed the whole stream would hold: register-wise max, and converting
///   an exact set, give the same registers in any order. In sparse mode the estimate (linear
///   counting) is therefore identical too. In dense mode one counter estimates with HIP, whose
///   running sum depends on the order in which items arrived; that order does not exist across
///   tasks, so the union estimates from the registers alone (Ertl's improved estimator). Both are
///   estimates of the same registers, each with a relative standard error of about 1/√(2^lgK)
///   (HIP ≈ 0.83/√m, Ertl ≈ 1.04/√m: 0.65 % and 0.81 % at lgK 14), so the combined count is equal
///   to one counter's within the sketch's error, not bit for bit.
extension DistinctCounter {
    /// Folds `other` into this counter as the union described above.
    public mutating func formUnion(_ other: DistinctCounter) throws(SketchConfigurationError) {
        guard other.lgK == lgK, other.exactLimit == exactLimit else {
            throw SketchConfigurationError("cannot union a DistinctCounter (limit \(other.exactLimit), lgK \(other.lgK)) "
                + "into one with limit \(exactLimit), lgK \(lgK)")
        }
        var union: HyperLogLog
        if sketch == nil, other.sketch == nil {
            exact.formUnion(other.exact)
            guard exact.count > exactLimit else { return }
            union = try sketchOfContents()
        } else {
            union = try sketchOfContents()
            if let otherSketch = other.sketch {
                try union.merge(otherSketch)
            } else {
                for hash in other.exact.members { union.insert(hash: hash) }
            }
        }
        union.forgetInsertionOrder()
        sketch = union
        exact = HashWordSet()
    }

    /// This counter's items as a sketch: its own sketch, or its exact hashes inserted into a new one
    /// (the registers do not depend on the order).
    private func sketchOfContents() throws(SketchConfigurationError) -> HyperLogLog {
        if let sketch { return sketch }
        var hll = try HyperLogLog(lgK: lgK)
        for hash in exact.members { hll.insert(hash: hash) }
        return hll
    }
}

extension HyperLogLog {
    /// Drops the HIP running estimate, so a dense sketch estimates from its registers alone: an
    /// estimate that depends only on the set of items inserted, not their order. A sparse sketch's
    /// estimate (linear counting over its entries) already depends on the set alone.
    mutating func forgetInsertionOrder() {
        if !isSparse { hipIsValid = false }
    }

    /// Whether the estimate comes from the HIP running sum (which depends on insertion order).
    public var estimatesWithHistory: Bool { !isSparse && hipIsValid }
}
