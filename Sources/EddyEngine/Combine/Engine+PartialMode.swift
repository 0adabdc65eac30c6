/// A closed window's partial state of a global tumbling pump, as one task computed it from its own
/// partitions: what a task publishes to `<topology>.partials.<pump>` for the combiner.
public struct ClosedPartialWindow: Equatable, Sendable {
    public var pump: String
    public var windowStart: Int64
    /// The window's state (`Engine.combinePartialWindow` reads it), versioned: a tumbling GROUP BY's
    /// group table in an `EPGT` envelope, a table function's sketch in an `EPTF` envelope.
    public var state: [UInt8]

    public init(pump: String, windowStart: Int64, state: [UInt8]) {
        self.pump = pump
        self.windowStart = windowStart
        self.state = state
    }
}

/// The task side of combining global aggregates (DESIGN-6): in partial mode a combinable pump's
/// window (tumbling GROUP BY, COUNT_DISTINCT_ITEMS_TUMBLING, TOP_K_ITEMS_TUMBLING) does not fire
/// rows when the task's watermark closes it (the task has seen only its own partitions' records);
/// its state is kept for the runtime to publish, and a `PartialCombiner` fires the window once
/// every task is past it.
extension Engine {
    /// Puts the pump `pump` in partial mode. Throws when the pump is neither a tumbling GROUP BY nor
    /// COUNT_DISTINCT_ITEMS_TUMBLING / TOP_K_ITEMS_TUMBLING, or one of its aggregates cannot be
    /// combined (FIRST_VALUE, LAST_VALUE, LAG), so such a topology is refused rather than combined
    /// wrongly. Call before the first record.
    public func enablePartialMode(pump: String) throws(AccumulatorMergeError) {
        try partialOperator(pump).exportsPartials = true
    }

    /// Pumps in partial mode, in plan order.
    public var partialModePumps: [String] {
        zip(orderedPumps, orderedOperators).compactMap { pump, op in
            (op as? any PartialWindowOperator)?.exportsPartials == true ? pump.name : nil
        }
    }

    /// The windows that closed since the last call, per pump in plan order and by window start, then
    /// forgets them. The runtime publishes them *before* the progress marker carrying
    /// `watermark`, and drains them (like the outputs) before taking a snapshot: they are not part of it.
    public func drainClosedPartials() -> [ClosedPartialWindow] {
        var closed: [ClosedPartialWindow] = []
        for (pump, op) in zip(orderedPumps, orderedOperators) {
            guard let partial = op as? any PartialWindowOperator, !partial.closedPartials.isEmpty else { continue }
            closed += partial.closedPartials.map {
                ClosedPartialWindow(pump: pump.name, windowStart: $0.windowStart, state: partial.publishable($0.state))
            }
            partial.closedPartials.removeAll()
        }
        return closed
    }

    /// The progress a task reports with its partials: every window of its partial-mode pumps ending
    /// at or before it has been drained. `Int64.max` once the task finished.
    public var partialProgress: Int64 { finished ? .max : watermark }

    /// Moves the watermark of an engine that gets no source records (a combiner) and fires what it closes.
    func advanceWatermark(to candidate: Int64) {
        guard candidate > watermark else { return }
        watermark = candidate
        for op in orderedOperators { op.onWatermark(candidate) }
    }

    /// Window size of the combinable pump `pump`, in milliseconds.
    func windowSize(pump: String) throws(AccumulatorMergeError) -> Int64 {
        try partialOperator(pump).size
    }
}
