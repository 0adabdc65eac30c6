import EddyCore
import EddySQL

/// The commonest argument shapes of aggregates and group keys (a column, or an INTEGER column cast
/// to DOUBLE), read straight from the frame's slots.
///
/// Why: calling a compiled `Evaluator` closure out of an array costs a retain and a release of its
/// context per call, which in the rollup pumps (several aggregates and a key per record) was a
/// larger share of the per-record time than the arithmetic itself. Anything else goes through the
/// closure, which computes the same value.
enum DirectRead {
    case slot(Int)
    case integerSlotAsDouble(Int)
    case evaluator

    init(_ expression: TypedExpr?) {
        guard let expression else { self = .evaluator; return }
        switch expression.node {
        case .slot(let i): self = .slot(i)
        case .cast(let inner):
            if case .slot(let i) = inner.node, inner.type.kind == .integer, expression.type.kind == .double {
                self = .integerSlotAsDouble(i)
            } else {
                self = .evaluator
            }
        default: self = .evaluator
        }
    }

    /// The value, or nil when the closure must compute it.
    @inline(__always) func read(_ frame: Frame) -> Value? {
        switch self {
        case .slot(let i): return Value(bits: frame.slots[i], isNull: frame.nulls[i])
        case .integerSlotAsDouble(let i):
            return frame.nulls[i] ? .null : .double(Double(Int64(bitPattern: frame.slots[i])))
        case .evaluator: return nil
        }
    }
}
