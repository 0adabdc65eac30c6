public import EddySQL

/// The task layout a run uses and why (`eddy run --tasks`), printed at start-up.
public struct TaskLayoutChoice: Sendable, Equatable {
    public var layout: TaskLayout
    /// One line: why this layout (for an explicit choice, that it was asked for).
    public var reason: String

    public init(layout: TaskLayout, reason: String) {
        self.layout = layout
        self.reason = reason
    }

    /// `--tasks auto`: one task per partition when the topology, reading the repartition topics its
    /// sources need (`Topology.readingRepartitionTopics()`), is partition-local, or when its only
    /// pumps that are not are global aggregates that can be combined (and pumps reading only them,
    /// which run in the combiner; see `CombinePlan`), so results do not depend on how many tasks or
    /// instances share the work; otherwise one task, which is exact for any topology. The reason
    /// names the repartitions and the combined pumps, or the first pump that needs one task.
    public static func automatic(for topology: Topology) -> TaskLayoutChoice {
        let rebound = topology.readingRepartitionTopics()
        let distribution = rebound.distribution
        let plan = CombinePlan(topology: rebound)
        guard distribution.isPartitionLocal || plan.allowsPerPartition else {
            let why = plan.blocking.map { "pump \($0.pump) is \($0.reason)" } ?? "the topology is not partition-local"
            return TaskLayoutChoice(layout: .single, reason: why)
        }
        let repartitions = topology.distribution.sources.filter(\.needsRepartition).map { source in
            "\(source.name) repartitioned by \(source.partitionColumnName ?? "?") through \(source.repartitionTopic ?? "?")"
        }
        let keyed = distribution.pumps.contains { $0.placement == .partitionLocal }
        var what = keyed ? "every pump is stateless or keyed by its source's partition column" : "every pump is stateless"
        if !plan.isEmpty {
            what = keyed ? "every pump is stateless, keyed by its source's partition column" : "every pump is stateless"
            what += ", or a global aggregate combined through \(plan.partialsTopic) (\(plan.combinedPumps.joined(separator: ", "))"
            what += plan.combinerPumps.isEmpty ? ")" : "; \(plan.combinerPumps.joined(separator: ", ")) run in the combiner)"
        }
        return TaskLayoutChoice(layout: .perPartition, reason: repartitions.isEmpty ? what : "\(what); \(repartitions.joined(separator: "; "))")
    }
}
