import EddyCore
import EddySketches

/// A pump operator whose tumbling windows a combiner can assemble from the partial states the tasks
/// computed over their own partitions (DESIGN-6, issue 6 point 3): a tumbling GROUP BY
/// (`TumblingOperator`), COUNT_DISTINCT_ITEMS_TUMBLING and TOP_K_ITEMS_TUMBLING.
///
/// In partial mode (`exportsPartials`) a window the task's watermark closes does not fire; its
/// state is encoded into `closedPartials` for the runtime to publish. A combiner engine decodes the
/// tasks' states (`checkPartial` refuses a corrupt one with the reason) and folds them into its own
/// window (`combinePartial`), which then fires as one engine fed the whole stream would.
protocol PartialWindowOperator: AnyObject {
    /// Window length in milliseconds.
    var size: Int64 { get }
    var exportsPartials: Bool { get set }
    /// Windows closed in partial mode and not yet drained, oldest first.
    var closedPartials: [(windowStart: Int64, state: [UInt8])] { get set }
    /// A `closedPartials` state as it is published (the versioned form `checkPartial` reads).
    func publishable(_ closed: [UInt8]) -> [UInt8]
    /// Starts of the open windows, oldest first.
    var openWindowStarts: [Int64] { get }
    /// The partial state of the open window at `start` (an empty window's state when it is not open).
    func partialState(window start: Int64) -> [UInt8]
    /// Decodes and validates a partial state of this pump without changing anything.
    func checkPartial(_ state: [UInt8]) throws(AccumulatorMergeError)
    /// Folds a partial state into this operator's window at `start`, opening it if needed.
    func combinePartial(_ state: [UInt8], window start: Int64) throws(AccumulatorMergeError)
}

extension PartialWindowOperator {
    /// The table functions close windows straight into their published form.
    func publishable(_ closed: [UInt8]) -> [UInt8] { closed }
}

/// A tumbling GROUP BY's partial state is its window's group table in the snapshot encoding, in an
/// envelope that versions it and names the pump's accumulator layout:
///
///     "EPGT" · version (UInt8, 1) · state words per group · the group table
///
/// (`onWatermark` closes windows into `closedPartials` as bare tables; `publishable` wraps them.)
extension TumblingOperator: PartialWindowOperator {
    static let partialVersion: UInt8 = 1

    var openWindowStarts: [Int64] { windows.keys.sorted() }

    func partialState(window start: Int64) -> [UInt8] {
        var writer = ByteWriter()
        (windows[start] ?? GroupTable(stateWords: accumulators.stateWords)).write(into: &writer)
        return publishable(writer.bytes)
    }

    func publishable(_ closed: [UInt8]) -> [UInt8] {
        var header = ByteWriter(reservingCapacity: 16)
        header.write(magic: "EPGT")
        header.write(Self.partialVersion)
        header.write(accumulators.stateWords)
        return header.bytes + closed
    }

    func checkPartial(_ state: [UInt8]) throws(AccumulatorMergeError) {
        _ = try decodePartial(state)
    }

    func combinePartial(_ state: [UInt8], window start: Int64) throws(AccumulatorMergeError) {
        let partial = try decodePartial(state)
        let table = windows[start] ?? GroupTable(stateWords: accumulators.stateWords)
        try table.merge(partial, accumulators: accumulators)
        if windows[start] == nil {
            windows[start] = table
            oldestStart = min(oldestStart, start)
        }
    }

    func decodePartial(_ state: [UInt8]) throws(AccumulatorMergeError) -> GroupTable {
        var reader = ByteReader(state)
        do throws(SketchDecodingError) {
            try reader.expect(magic: "EPGT")
            let version = try reader.readUInt8("partial version")
            guard version == Self.partialVersion else {
                throw SketchDecodingError("partial state version \(version) is not supported (this build reads \(Self.partialVersion))")
            }
            let words = try reader.readInt("state words")
            guard words == accumulators.stateWords else {
                throw SketchDecodingError("partial of \(words) state words per group, this pump's groups have \(accumulators.stateWords)")
            }
            let partial = try GroupTable.read(from: &reader, stateWords: accumulators.stateWords)
            try accumulators.validate(partial, groups: partial.count)
            try reader.expectEnd()
            return partial
        } catch {
            throw AccumulatorMergeError(reason: error.reason)
        }
    }
}
