import EddyCore
import EddySketches

/// The engine side of combining global aggregates across tasks (DESIGN-6): a task exports the
/// state of a combinable pump's windows as bytes (for `<topology>.partials.<pump>`), and a
/// combiner engine folds every task's bytes for a window into its own before the window fires.
/// When to export (once every task's progress passed the window end) is the runtime's decision.
/// Combinable pumps: tumbling GROUP BY windows with order-independent aggregates,
/// COUNT_DISTINCT_ITEMS_TUMBLING and TOP_K_ITEMS_TUMBLING (see `PartialWindowOperator`).
extension Engine {
    /// Each open window of the combinable pump `pump`: its start and its partial state. Throws when
    /// the pump cannot be combined (see `enablePartialMode(pump:)`).
    public func partialWindows(pump: String) throws(AccumulatorMergeError) -> [(windowStart: Int64, state: [UInt8])] {
        let op = try partialOperator(pump)
        return op.openWindowStarts.map { start in (start, op.partialState(window: start)) }
    }

    /// Folds another task's partial state of `pump`'s window at `windowStart` into this engine's
    /// (opening the window if this engine has none). Call before the watermark closes the window.
    /// A combiner engine gets partial states only, no source records for the windows it combines.
    public func combinePartialWindow(pump: String, windowStart: Int64, state: [UInt8]) throws(AccumulatorMergeError) {
        let op = try partialOperator(pump)
        guard windowStart == CivilTime.floorDiv(windowStart, op.size) &* op.size else {
            throw AccumulatorMergeError(reason: "\(windowStart) is not a window start of pump \(pump) (windows of \(op.size) ms)")
        }
        guard !finished, windowStart &+ op.size > watermark else {
            throw AccumulatorMergeError(reason: "the window at \(windowStart) of pump \(pump) has already fired (watermark \(watermark))")
        }
        do {
            try op.combinePartial(state, window: windowStart)
        } catch {
            throw AccumulatorMergeError(reason: "partial state of pump \(pump) cannot be combined: \(error.reason)")
        }
    }

    /// Decodes and checks a partial window state of `pump` (a combiner checks partials as they arrive,
    /// so a corrupt one is refused before anything is merged).
    func decodePartial(_ state: [UInt8], pump: String) throws(AccumulatorMergeError) {
        do {
            try partialOperator(pump).checkPartial(state)
        } catch {
            throw AccumulatorMergeError(reason: "partial state of pump \(pump) is corrupt: \(error.reason)")
        }
    }

    /// The operator of `pump` if it can be combined from partial states, else why not.
    func partialOperator(_ pump: String) throws(AccumulatorMergeError) -> any PartialWindowOperator {
        guard let index = orderedPumps.firstIndex(where: { $0.name == pump }) else {
            throw AccumulatorMergeError(reason: "no pump \(pump)")
        }
        let op = orderedOperators[index]
        if let tumbling = op as? TumblingOperator {
            if let function = tumbling.accumulators.unmergeableAggregate {
                throw AccumulatorMergeError(reason: "\(function.rawValue) depends on the order of rows across partitions; run pump \(pump) in one task")
            }
            return tumbling
        }
        if let tableFunction = op as? any PartialWindowOperator { return tableFunction }
        throw AccumulatorMergeError(reason: "pump \(pump) is neither a tumbling GROUP BY window nor COUNT_DISTINCT_ITEMS_TUMBLING "
            + "or TOP_K_ITEMS_TUMBLING")
    }
}
