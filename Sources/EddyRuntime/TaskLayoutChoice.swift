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
    /// sources need (`Topology.readingRepartitionTopics()`), is partition-local, so results do not
    /// depend on how many tasks or instances share the work; otherwise one task, which is exact for
    /// any topology. The reason names the repartitions, or the first pump that needs one task.
    public static func automatic(for topology: Topology) -> TaskLayoutChoice {
        let rebound = topology.readingRepartitionTopics().distribution
        if rebound.isPartitionLocal {
            let repartitions = topology.distribution.sources.filter(\.needsRepartition).map { source in
                "\(source.name) repartitioned by \(source.partitionColumnName ?? "?") through \(source.repartitionTopic ?? "?")"
            }
            let keyed = rebound.pumps.contains { $0.placement == .partitionLocal }
            let what = keyed ? "every pump is stateless or keyed by its source's partition column" : "every pump is stateless"
            return TaskLayoutChoice(layout: .perPartition, reason: repartitions.isEmpty ? what : "\(what); \(repartitions.joined(separator: "; "))")
        }
        let blocking = rebound.pumps.first { $0.placement == .global || $0.placement == .perPartition }
        let why = blocking.map { "pump \($0.name) is \($0.placement == .global ? "a global aggregate (partial windows are not combined across tasks yet)" : "exact only in one task"): \($0.reason)" }
            ?? "the topology is not partition-local"
        return TaskLayoutChoice(layout: .single, reason: why)
    }
}
