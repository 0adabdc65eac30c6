public import EddySQL

/// The combiner of global aggregates (DESIGN-6, issue 6 point 3): a fresh engine of the topology
/// that gets no source records, only the tasks' closed partial windows and their progress. A window
/// fires once every task's progress has passed its end, with the tasks' partials folded together,
/// so its rows equal those of one engine fed the whole stream. Pumps reading a combined pump's
/// output run here too (its rows feed them as usual).
///
/// Partials are buffered per (pump, window, task): a task that restarts from an older checkpoint
/// publishes its partials again, and the replay replaces the buffered state instead of adding to it.
/// A partial for a window that already fired can only be such a replay (a task publishes a window's
/// partial before the progress that passes it), so it is counted and ignored.
public final class PartialCombiner {
    public let engine: Engine
    public let taskCount: Int
    let windowSizes: [String: Int64]
    /// pump → window start → task → encoded group table.
    var pending: [String: [Int64: [Int: [UInt8]]]] = [:]
    var progress: [Int64?]
    /// Partials ignored because their window had already fired (replays after a task restart).
    public private(set) var replaysAfterFire = 0

    /// A combiner of `pumps` (tumbling GROUP BY pumps with mergeable aggregates,
    /// COUNT_DISTINCT_ITEMS_TUMBLING, TOP_K_ITEMS_TUMBLING) for tasks `0..<taskCount`.
    public init(topology: Topology, pumps: [String], taskCount: Int) throws {
        guard taskCount > 0 else { throw AccumulatorMergeError(reason: "a combiner needs at least one task") }
        engine = try Engine(topology: topology, captureAllStreams: true)
        var sizes: [String: Int64] = [:]
        for pump in pumps { sizes[pump] = try engine.windowSize(pump: pump) }
        windowSizes = sizes
        self.taskCount = taskCount
        progress = Array(repeating: nil, count: taskCount)
    }

    /// The watermark up to which every window has fired: the lowest progress of all tasks, `Int64.min`
    /// until each task has reported once.
    public var horizon: Int64 { engine.watermark }

    /// Buffers (or, for a replay, replaces) task `task`'s partial state of a window. A corrupt state
    /// is refused here with the reason, and nothing is buffered.
    public func receive(task: Int, partial: ClosedPartialWindow) throws(AccumulatorMergeError) {
        try checkTask(task)
        guard let size = windowSizes[partial.pump] else {
            throw AccumulatorMergeError(reason: "pump \(partial.pump) is not combined here")
        }
        if partial.windowStart &+ size <= horizon {
            replaysAfterFire += 1
            return
        }
        try engine.decodePartial(partial.state, pump: partial.pump)
        pending[partial.pump, default: [:]][partial.windowStart, default: [:]][task] = partial.state
    }

    /// Records task `task`'s progress (its watermark after publishing its partials) and fires every
    /// window that all tasks have passed. Progress never moves back (a restarted task's lower
    /// progress is a replay). The fired rows are in `engine`'s outputs.
    public func advance(task: Int, progress watermark: Int64) throws(AccumulatorMergeError) {
        try checkTask(task)
        progress[task] = max(progress[task] ?? .min, watermark)
        var low = Int64.max
        for p in progress {
            guard let p else { return }
            low = min(low, p)
        }
        guard low > horizon else { return }
        for (pump, windows) in pending.sorted(by: { $0.key < $1.key }) {
            let size = windowSizes[pump]!
            for start in windows.keys.sorted() where start &+ size <= low {
                for task in windows[start]!.keys.sorted() {
                    try engine.combinePartialWindow(pump: pump, windowStart: start, state: windows[start]![task]!)
                }
                pending[pump]![start] = nil
            }
        }
        engine.advanceWatermark(to: low)
    }

    /// Partials buffered for windows that have not fired, for the combiner's checkpoint.
    public var pendingPartials: [(task: Int, partial: ClosedPartialWindow)] {
        pending.keys.sorted().flatMap { pump in
            pending[pump]!.keys.sorted().flatMap { start in
                pending[pump]![start]!.keys.sorted().map { task in
                    (task, ClosedPartialWindow(pump: pump, windowStart: start, state: pending[pump]![start]![task]!))
                }
            }
        }
    }

    func checkTask(_ task: Int) throws(AccumulatorMergeError) {
        guard task >= 0, task < taskCount else {
            throw AccumulatorMergeError(reason: "task \(task) is not one of the combiner's \(taskCount) tasks")
        }
    }
}
