public import EddyMetrics
public import EddySQL
import Foundation

/// What `eddy run` starts on Kafka: a `KafkaPipeline`, and with a per-partition layout a
/// `RepartitionStage` for every source whose topic is not keyed by its partition column
/// (`Topology.distribution`). The pipeline then runs `topology.readingRepartitionTopics()` — its
/// engine's fingerprint is the checkpoints' — and each task skips the duplicates a restarted stage
/// writes (`UpstreamDeduplicator`, checkpointed with the task).
///
/// When that topology has global aggregates that can be combined (`CombinePlan`), the tasks run
/// them in partial mode and publish their closed windows to `<topology>.partials`, and a
/// `CombinerStage` combines them into the rows a single task would produce.
///
/// The parts live and die together: when one ends on its own (a failure), the others are stopped,
/// since a pipeline without its stage (or combiner) would silently starve.
public final class ScaledPipeline: Sendable {
    public let pipeline: KafkaPipeline
    /// One per repartitioned source (none with `.single`: one task sees every partition anyway).
    public let stages: [RepartitionStage]
    /// The combiner of global aggregates, when per-partition tasks combine some (`CombinePlan`).
    public let combiner: CombinerStage?

    /// Builds the stages and the pipeline; nothing connects until `start()`.
    public init(topology: Topology, configuration: PipelineConfiguration, metrics: PipelineMetrics? = nil,
                onOutputRow: OutputRowHandler? = nil,
                log: @escaping @Sendable (String) -> Void = KafkaPipeline.writeToStandardError) throws {
        var stages: [RepartitionStage] = []
        var tasksRun = topology
        var configuration = configuration
        var plan: CombinePlan?
        if configuration.taskLayout == .perPartition {
            for source in topology.distribution.sources where source.needsRepartition {
                stages.append(try RepartitionStage(topology: topology, source: source.name, configuration: configuration, log: log))
            }
            tasksRun = topology.readingRepartitionTopics()
            let combine = CombinePlan(topology: tasksRun)
            if !combine.isEmpty {
                plan = combine
                configuration.partialPublishing = combine.publishing(topology: tasksRun)
            }
        }
        self.stages = stages
        let pipeline = try KafkaPipeline(topology: tasksRun, configuration: configuration, metrics: metrics, onOutputRow: onOutputRow, log: log)
        self.pipeline = pipeline
        combiner = try plan.map { plan in
            try CombinerStage(topology: tasksRun, plan: plan, configuration: configuration, checkpoints: pipeline.checkpointStore,
                              metrics: pipeline.metrics, onOutputRow: onOutputRow, log: log)
        }
    }

    /// Starts the stages (which check or create their repartition topics), the combiner (which
    /// counts the tasks from them and checks or creates the partials topic), then the pipeline. If a
    /// part fails to start, the ones already started are stopped and the error is rethrown.
    public func start() async throws {
        var started: [RepartitionStage] = []
        var combinerStarted = false
        do {
            for stage in stages {
                try await stage.start()
                started.append(stage)
            }
            if let combiner {
                try await combiner.start()
                combinerStarted = true
            }
            try await pipeline.start()
        } catch {
            if let combiner { if combinerStarted { try? await combiner.stop() } else { try? await combiner.finished() } }
            for stage in started { try? await stage.stop() }
            for stage in stages where !started.contains(where: { $0 === stage }) { try? await stage.finished() }
            throw error
        }
    }

    /// Stops the pipeline (flush, checkpoint, commit), then the combiner and the stages. Rethrows the
    /// first failure.
    public func stop() async throws {
        var failure: (any Error)?
        do { try await pipeline.stop() } catch { failure = error }
        if let combiner {
            do { try await combiner.stop() } catch { failure = failure ?? error }
        }
        for stage in stages {
            do { try await stage.stop() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Waits until a part ends on its own (or after `stop()`), stops the others, and rethrows what
    /// ended it.
    public func finished() async throws {
        guard !stages.isEmpty || combiner != nil else { return try await pipeline.finished() }
        let (ended, continuation) = AsyncStream.makeStream(of: PartEnded.self)
        let pipeline = self.pipeline
        Task {
            continuation.yield(PartEnded(name: "the pipeline", outcome: await Self.outcome { try await pipeline.finished() }))
        }
        if let combiner {
            Task {
                continuation.yield(PartEnded(name: "the combiner", outcome: await Self.outcome { try await combiner.finished() }))
            }
        }
        for stage in stages {
            Task {
                continuation.yield(PartEnded(name: "the repartition stage of \(stage.sourceStream)",
                                             outcome: await Self.outcome { try await stage.finished() }))
            }
        }
        var first: PartEnded?
        for await part in ended {
            first = part
            break
        }
        continuation.finish()
        // Whatever ended first, the rest cannot work without it; `stop()` on an ended part only
        // collects its outcome.
        let stopped = await Self.outcome { try await self.stop() }
        try first?.outcome.get()
        try stopped.get()
    }

    private struct PartEnded: Sendable {
        var name: String
        var outcome: Result<Void, any Error>
    }

    private static func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Counts of the pipeline (the stages' are in `stages[i].progress`).
    public var progress: PipelineProgress { pipeline.progress }
}
