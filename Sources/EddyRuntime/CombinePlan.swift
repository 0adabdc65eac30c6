public import EddySQL
import EddyEngine

/// Which global aggregates of a topology run per task and are combined (issue 6, scale-out):
/// a pump `Topology.distribution` places as `.global` is combined when the engine can put it in
/// partial mode (`Engine.enablePartialMode(pump:)` succeeds on a scratch engine: a tumbling pump
/// whose aggregates merge, and whatever else the engine learns to combine). Pumps that read only
/// combined pumps' output run in the combiner, which sees the combined rows, so they are exact too.
///
/// All partials go through one topic, `<topology>.partials`, with one partition: each task publishes
/// a window's partial *before* the progress marker that passes the window, and only a single
/// partition keeps that order for every pump at once (per-pump topics would need a marker per topic
/// and a join of their positions). It also makes the combiner a single consumer of its group, so
/// exactly one instance combines, and another takes over when it stops.
public struct CombinePlan: Sendable, Equatable {
    /// Global pumps combined through the partials topic, in plan order.
    public var combinedPumps: [String]
    /// Pumps that read only combined output: they run in the combiner (and get nothing in the tasks).
    public var combinerPumps: [String]
    /// The first pump that still needs one task, with why (nil when every pump can run per task).
    public var blocking: (pump: String, reason: String)?
    /// `<topology>.partials`.
    public var partialsTopic: String

    public static func == (lhs: CombinePlan, rhs: CombinePlan) -> Bool {
        lhs.combinedPumps == rhs.combinedPumps && lhs.combinerPumps == rhs.combinerPumps
            && lhs.blocking?.pump == rhs.blocking?.pump && lhs.blocking?.reason == rhs.blocking?.reason && lhs.partialsTopic == rhs.partialsTopic
    }

    /// Whether the topology can run one task per partition with these pumps combined.
    public var allowsPerPartition: Bool { blocking == nil }

    /// The plan for `topology` as its tasks run it (`Topology.readingRepartitionTopics()` when sources
    /// are repartitioned).
    public init(topology: Topology) {
        partialsTopic = Self.partialsTopic(topology: topology.name)
        let distribution = topology.distribution
        var combined: [String] = []
        var blocking: (pump: String, reason: String)?
        let scratch = Result { () throws(EngineError) in try Engine(topology: topology) }
        for pump in distribution.pumps where pump.placement == .global {
            switch scratch {
            case .failure(let error):
                if blocking == nil { blocking = (pump.name, "a global aggregate, and the engine cannot run the topology (\(error.message))") }
            case .success(let engine):
                do {
                    try engine.enablePartialMode(pump: pump.name)
                    combined.append(pump.name)
                } catch {
                    if blocking == nil { blocking = (pump.name, "a global aggregate that cannot be combined across tasks (\(error.reason))") }
                }
            }
        }
        // Pumps downstream of combined pumps, in dependency order: they run in the combiner when
        // every writer of their input stream is combined or runs there itself.
        var inCombiner = Set(combined)
        var changed = true
        while changed {
            changed = false
            for pump in topology.pumps where !inCombiner.contains(pump.name) {
                let writers = topology.pumps.filter { $0.target == pump.source }
                if !writers.isEmpty, writers.allSatisfy({ inCombiner.contains($0.name) }) {
                    inCombiner.insert(pump.name)
                    changed = true
                }
            }
        }
        combinedPumps = combined
        combinerPumps = topology.pumps.map(\.name).filter { inCombiner.contains($0) && !combined.contains($0) }
        if blocking == nil {
            for pump in distribution.pumps where pump.placement == .perPartition && !inCombiner.contains(pump.name) {
                blocking = (pump.name, "exact only in one task: \(pump.reason)")
                break
            }
            for pump in distribution.pumps where pump.placement == .global && !combined.contains(pump.name) && blocking == nil {
                blocking = (pump.name, "a global aggregate that cannot be combined: \(pump.reason)")
            }
        }
        self.blocking = blocking
    }

    /// Whether any pump is combined (a combiner stage is needed).
    public var isEmpty: Bool { combinedPumps.isEmpty }

    /// The internal topic the tasks publish their partial windows and progress to (characters Kafka
    /// does not allow in topic names become `_`, as in repartition topics).
    public static func partialsTopic(topology: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String("\(topology).partials".map { allowed.contains($0) ? $0 : "_" }.prefix(249))
    }

    /// What the tasks of `topology` need to publish this plan's partials.
    func publishing(topology: Topology) -> PartialPublishing {
        let sizes = topology.pumps.filter { combinedPumps.contains($0.name) }.map { pump -> Int64 in
            switch pump.shape {
            case .tumbling(_, let size, _, _): return size
            case .tableFunction(let name, _, _, let arguments, _):
                if TableFunctionRegistry.isTumbling(name), case .integer(let seconds)? = arguments.last { return seconds * 1000 }
                return 1
            case .projection, .stagger, .sliding: return 1
            }
        }
        let sources = topology.streams.filter { $0.isSource && !$0.isSystem && $0.binding.isBound }
        let timeouts = sources.compactMap(\.binding.idleTimeoutMillis)
        let idle = timeouts.count == sources.count ? timeouts.max() : nil
        let grace = sources.map { $0.binding.idleTimeoutMillis ?? Engine.defaultGraceMillis }.max() ?? Engine.defaultGraceMillis
        return PartialPublishing(topic: partialsTopic, topologyName: topology.name, pumps: combinedPumps, windowSizes: sizes,
                                 idleTimeoutMillis: idle, emptyGraceMillis: grace)
    }
}
