import EddyCore
import EddySketches

/// The engine side of combining global aggregates across tasks (DESIGN-6): a task exports the
/// state of a tumbling pump's open windows as bytes (for `<topology>.partials.<pump>`), and a
/// combiner engine folds every task's bytes for a window into its own before the window fires.
/// When to export (once every task's progress passed the window end) is the runtime's decision.
extension Engine {
    /// Each open window of the tumbling pump `pump`: its start and its partial state (the group
    /// table, in the snapshot encoding). Throws when the pump is not a tumbling GROUP BY or has an
    /// aggregate that cannot be combined (FIRST_VALUE, LAST_VALUE).
    public func partialWindows(pump: String) throws(AccumulatorMergeError) -> [(windowStart: Int64, state: [UInt8])] {
        let op = try tumblingOperator(pump)
        return op.windows.keys.sorted().map { start in
            var writer = ByteWriter()
            op.windows[start]!.write(into: &writer)
            return (start, writer.bytes)
        }
    }

    /// Folds another task's partial state of `pump`'s window at `windowStart` into this engine's
    /// (opening the window if this engine has none). Call before the watermark closes the window.
    public func combinePartialWindow(pump: String, windowStart: Int64, state: [UInt8]) throws(AccumulatorMergeError) {
        let op = try tumblingOperator(pump)
        guard windowStart == CivilTime.floorDiv(windowStart, op.size) &* op.size else {
            throw AccumulatorMergeError(reason: "\(windowStart) is not a window start of pump \(pump) (windows of \(op.size) ms)")
        }
        guard !finished, windowStart &+ op.size > watermark else {
            throw AccumulatorMergeError(reason: "the window at \(windowStart) of pump \(pump) has already fired (watermark \(watermark))")
        }
        let partial = try decodePartial(state, of: op, pump: pump)
        let table: GroupTable
        if let existing = op.windows[windowStart] {
            table = existing
        } else {
            table = GroupTable(stateWords: op.accumulators.stateWords)
        }
        try table.merge(partial, accumulators: op.accumulators)
        if op.windows[windowStart] == nil {
            op.windows[windowStart] = table
            op.oldestStart = min(op.oldestStart, windowStart)
        }
    }

    /// Decodes and checks a partial window state of `pump` (a combiner checks partials as they arrive,
    /// so a corrupt one is refused before anything is merged).
    func decodePartial(_ state: [UInt8], pump: String) throws(AccumulatorMergeError) {
        _ = try decodePartial(state, of: try tumblingOperator(pump), pump: pump)
    }

    func decodePartial(_ state: [UInt8], of op: TumblingOperator, pump: String) throws(AccumulatorMergeError) -> GroupTable {
        var reader = ByteReader(state)
        do {
            let partial = try GroupTable.read(from: &reader, stateWords: op.accumulators.stateWords)
            try op.accumulators.validate(partial, groups: partial.count)
            try reader.expectEnd()
            return partial
        } catch {
            throw AccumulatorMergeError(reason: "partial state of pump \(pump) is corrupt: \(error.reason)")
        }
    }

    func tumblingOperator(_ pump: String) throws(AccumulatorMergeError) -> TumblingOperator {
        guard let index = orderedPumps.firstIndex(where: { $0.name == pump }) else {
            throw AccumulatorMergeError(reason: "no pump \(pump)")
        }
        guard let op = orderedOperators[index] as? TumblingOperator else {
            throw AccumulatorMergeError(reason: "pump \(pump) is not a tumbling GROUP BY window")
        }
        if let function = op.accumulators.unmergeableAggregate {
            throw AccumulatorMergeError(reason: "\(function.rawValue) depends on the order of rows across partitions; run pump \(pump) in one task")
        }
        return op
    }
}
