import EddyCore
import EddySQL
import EddySketches

/// Why partial aggregate states cannot be combined.
public struct AccumulatorMergeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "cannot combine partial aggregates: \(reason)" }
}

/// Combining partial aggregate states (issue 6, global aggregates under scale-out): each task
/// aggregates its own partitions, and a combiner folds the tasks' states for the same window and
/// group key into one, giving the result a single task would have computed. COUNT, SUM, AVG, MIN,
/// MAX, APPROX_COUNT_DISTINCT (`DistinctCounter.formUnion`: exact while the union stays within
/// 10,000 items, then a HyperLogLog with one engine's registers, estimated from the registers alone,
/// so equal to one engine's HIP estimate within the sketch's error) and the variances (Chan et al.'s
/// pairwise update) combine;
/// FIRST_VALUE, LAST_VALUE and LAG depend on the order of rows across partitions and do not.
extension Accumulators {
    /// The first aggregate that cannot be combined from partial states, if any.
    var unmergeableAggregate: AggregateFunction? {
        plans.map(\.function).first { [.firstValue, .lastValue, .lag].contains($0) }
    }

    /// Folds the partial state `other` (its strings in `otherArena`, its sketches in
    /// `otherSketches`) into `s` (strings copied into `keep`, sketches into `sketches`).
    func merge(_ other: UnsafePointer<UInt64>, arena otherArena: ByteArena, sketches otherSketches: DistinctSketches,
               into s: UnsafeMutablePointer<UInt64>, keep: ByteArena, sketches: DistinctSketches) throws(AccumulatorMergeError) {
        if let function = unmergeableAggregate {
            throw AccumulatorMergeError(reason: "\(function.rawValue) depends on the order of rows across partitions; run the pump in one task")
        }
        for k in 0..<plans.count {
            let a = s + k * Self.width
            let b = other + k * Self.width
            switch plans[k].function {
            case .countStar, .count:
                a[0] &+= b[0]
            case .sum:
                guard b[1] != 0 else { continue }
                if kinds[k] == .double {
                    a[0] = (Double(bitPattern: a[0]) + Double(bitPattern: b[0])).bitPattern
                } else {
                    a[0] = UInt64(bitPattern: Int64(bitPattern: a[0]) &+ Int64(bitPattern: b[0]))
                }
                a[1] &+= b[1]
            case .avg:
                a[0] = (Double(bitPattern: a[0]) + Double(bitPattern: b[0])).bitPattern
                a[1] &+= b[1]
            case .stddevPop, .stddevSamp, .varPop, .varSamp:
                guard b[0] != 0 else { continue }
                guard a[0] != 0 else { a[0] = b[0]; a[1] = b[1]; a[2] = b[2]; continue }
                let na = Double(a[0]), nb = Double(b[0]), n = na + nb
                let meanA = Double(bitPattern: a[1]), meanB = Double(bitPattern: b[1])
                let delta = meanB - meanA
                a[1] = (meanA + delta * nb / n).bitPattern
                a[2] = (Double(bitPattern: a[2]) + Double(bitPattern: b[2]) + delta * delta * na * nb / n).bitPattern
                a[0] &+= b[0]
            case .min, .max:
                guard b[1] != 0 else { continue }
                let candidate = Value(bits: b[0], isNull: false)
                if a[1] == 0 || better(candidate, than: Value(bits: a[0], isNull: false), kind: kinds[k], min: plans[k].function == .min,
                                       otherArena, keep) {
                    a[0] = kinds[k] == .string ? keep.copy(b[0], from: otherArena) : b[0]
                    a[1] = 1
                }
            case .approxCountDistinct:
                guard b[0] != 0 else { continue }
                if a[0] == 0 { a[0] = UInt64(sketches.make() + 1) }
                do {
                    try sketches.counters[Int(a[0]) - 1].formUnion(otherSketches.counters[Int(b[0]) - 1])
                } catch {
                    throw AccumulatorMergeError(reason: error.reason)
                }
            case .firstValue, .lastValue, .lag:
                break
            }
        }
    }
}

extension GroupTable {
    /// Folds every group of `other` (a partial table of the same window) into this table.
    func merge(_ other: GroupTable, accumulators: Accumulators) throws(AccumulatorMergeError) {
        guard other.stateWords == stateWords else {
            throw AccumulatorMergeError(reason: "tables of \(other.stateWords) and \(stateWords) state words belong to different pumps")
        }
        for g in 0..<other.count {
            let (group, _) = find(other.arena.bytes(other.keyRefs[g]), hash: other.hashes[g])
            try accumulators.merge(other.state + g * stateWords, arena: other.arena, sketches: other.sketches,
                                   into: state + group * stateWords, keep: arena, sketches: sketches)
        }
    }
}
