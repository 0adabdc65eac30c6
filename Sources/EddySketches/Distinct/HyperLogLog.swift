/// HyperLogLog distinct-count sketch over 64-bit hashes.
///
/// - Small cardinalities live in a *sparse* map at precision 25 (HLL++ style), which costs memory in
///   proportion to the distinct items seen and is counted by linear counting, essentially exactly.
/// - Past `lgK`-dependent size it converts to *dense* one-byte registers (`2^lgK` bytes: lgK 12 = 4 KiB).
/// - A dense sketch fed directly estimates with the HIP (historic inverse probability) martingale, whose
///   error is ~0.83/√m instead of ~1.04/√m; a sketch built by merging has no valid history and uses
///   Ertl's (2017) improved estimator, which needs no empirical bias tables.
///
/// Two sketches merge (register-wise max) when their `lgK` match.
public struct HyperLogLog: Sendable, Equatable {
    /// Precision of the sparse representation: sparse keys are the top 25 hash bits.
    static let sparsePrecision = 25
    public static let lgKRange: ClosedRange<Int> = 4...18

    public let lgK: Int
    var sparse: [UInt32: UInt8]
    var registers: [UInt8]
    /// Σ 2^-register over dense registers: times 1/m it is the chance a new item changes the sketch.
    var inverseProbabilitySum: Double
    /// HIP running estimate; meaningful only while `hipIsValid`.
    var hipEstimate: Double
    var hipIsValid: Bool

    /// Creates an empty sketch with `2^lgK` registers.
    public init(lgK: Int) throws(SketchConfigurationError) {
        guard Self.lgKRange.contains(lgK) else {
            throw SketchConfigurationError("HyperLogLog lgK \(lgK) is outside \(Self.lgKRange)")
        }
        self.lgK = lgK
        sparse = [:]
        registers = []
        inverseProbabilitySum = 0
        hipEstimate = 0
        hipIsValid = true
    }

    public var registerCount: Int { 1 << lgK }
    public var isSparse: Bool { registers.isEmpty }

    /// Sparse entries beyond this convert to dense: a quarter of the dense byte size, since a
    /// sparse entry serializes to 5 bytes and the map carries overhead.
    var sparseLimit: Int { max(16, registerCount / 4) }

    /// Adds one item by its 64-bit hash (see `StableHash64`).
    @inline(__always)
    public mutating func insert(hash: UInt64) {
        if registers.isEmpty {
            let key = UInt32(truncatingIfNeeded: hash >> UInt64(64 - Self.sparsePrecision))
            let rest = hash << UInt64(Self.sparsePrecision)
            let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.sparsePrecision) + 1)
            if let old = sparse[key] {
                if rank > old { sparse[key] = rank }
            } else {
                sparse[key] = rank
                if sparse.count > sparseLimit { convertToDense() }
            }
            return
        }
        let index = Int(truncatingIfNeeded: hash >> UInt64(64 - lgK))
        let rest = hash << UInt64(lgK)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - lgK) + 1)
        registers.withUnsafeMutableBufferPointer { regs in
            let old = regs[index]
            if rank > old {
                if hipIsValid {
                    hipEstimate += Double(regs.count) / inverseProbabilitySum
                }
                inverseProbabilitySum += Self.inversePowerOfTwo(rank) - Self.inversePowerOfTwo(old)
                regs[index] = rank
            }
        }
    }

    public mutating func insert(_ string: String) { insert(hash: StableHash64.hash(string)) }
    public mutating func insert(_ value: Int64) { insert(hash: StableHash64.hash(value)) }
    public mutating func insert(_ value: Double) { insert(hash: StableHash64.hash(value)) }

    @inline(__always)
    static func inversePowerOfTwo(_ exponent: UInt8) -> Double {
        Double(sign: .plus, exponent: -Int(exponent), significand: 1)
    }

    /// Maps a sparse (precision-25) entry onto the dense register it would have hit.
    static func denseSlot(sparseKey key: UInt32, rank: UInt8, lgK: Int) -> (index: Int, rank: UInt8) {
        let extraBits = sparsePrecision - lgK
        let index = Int(key >> UInt32(extraBits))
        let low = key & ((1 << UInt32(extraBits)) - 1)
        if low != 0 {
            return (index, UInt8(extraBits - (32 - low.leadingZeroBitCount) + 1))
        }
        return (index, UInt8(min(extraBits + Int(rank), 64 - lgK + 1)))
    }

    mutating func convertToDense() {
        let estimateSoFar = isSparse ? sparseEstimate() : hipEstimate
        var regs = [UInt8](repeating: 0, count: registerCount)
        for (key, rank) in sparse {
            let slot = Self.denseSlot(sparseKey: key, rank: rank, lgK: lgK)
            if slot.rank > regs[slot.index] { regs[slot.index] = slot.rank }
        }
        registers = regs
        sparse = [:]
        recomputeInverseProbabilitySum()
        // The sparse phase is counted almost exactly; HIP continues from there (a martingale may
        // switch the underlying sketch at any stopping time).
        hipEstimate = estimateSoFar
    }

    mutating func recomputeInverseProbabilitySum() {
        var sum = 0.0
        for r in registers { sum += Self.inversePowerOfTwo(r) }
        inverseProbabilitySum = sum
    }

    /// Linear counting over the 2^25 virtual sparse registers.
    func sparseEstimate() -> Double {
        let m = Double(1 << Self.sparsePrecision)
        let empty = m - Double(sparse.count)
        return m * log(m / empty)
    }

    /// The estimated number of distinct items inserted.
    public var estimate: Double {
        if isSparse { return sparseEstimate() }
        if hipIsValid { return hipEstimate }
        return ErtlEstimator.estimate(registers: registers, lgK: lgK)
    }

    /// Folds `other` into this sketch. Afterwards the estimate comes from the registers alone.
    public mutating func merge(_ other: HyperLogLog) throws(SketchConfigurationError) {
        guard other.lgK == lgK else {
            throw SketchConfigurationError("cannot merge HyperLogLog lgK \(other.lgK) into lgK \(lgK)")
        }
        if other.isSparse && other.sparse.isEmpty { return }
        let wasEmpty = isSparse && sparse.isEmpty
        if isSparse && other.isSparse {
            for (key, rank) in other.sparse where rank > sparse[key, default: 0] {
                sparse[key] = rank
            }
            if sparse.count > sparseLimit { convertToDense() }
        } else {
            if isSparse { convertToDense() }
            if other.isSparse {
                for (key, rank) in other.sparse {
                    let slot = Self.denseSlot(sparseKey: key, rank: rank, lgK: lgK)
                    if slot.rank > registers[slot.index] { registers[slot.index] = slot.rank }
                }
            } else {
                for i in 0..<registers.count where other.registers[i] > registers[i] {
                    registers[i] = other.registers[i]
                }
            }
            recomputeInverseProbabilitySum()
        }
        if wasEmpty {
            hipIsValid = other.hipIsValid
            hipEstimate = other.hipEstimate
        } else {
            hipIsValid = false
        }
    }
}

extension Double {
    /// Natural logarithm without Foundation: exponent extraction plus an atanh series on the mantissa.
    @usableFromInline
    static func naturalLog(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return .infinity }
        var exponent = Double(x.exponent)
        var mantissa = x.significand // in [1, 2)
        if mantissa > 1.4142135623730951 {
            mantissa /= 2
            exponent += 1
        }
        let t = (mantissa - 1) / (mantissa + 1)
        let t2 = t * t
        var term = t
        var sum = 0.0
        var k = 1.0
        while true {
            let next = sum + term / k
            if next == sum { break }
            sum = next
            term *= t2
            k += 2
        }
        return 2 * sum + exponent * 0.6931471805599453
    }
}
