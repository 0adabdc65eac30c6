import ArgumentParser
import EddyDashboard
import EddyKafka
import EddyMetrics
import EddyRuntime
import EddySQL
import Foundation

/// Runs a topology on Kafka until SIGINT/SIGTERM (or `duration`), optionally serving the dashboard:
/// the part `eddy run --brokers` and `eddy demo` share.
struct KafkaRunner {
    var topology: Topology
    var configuration: PipelineConfiguration
    var dashboard: DashboardConfiguration?
    /// Stop after this many seconds (tests and benchmarks); nil runs until a signal.
    var duration: Double?

    /// Starts everything, calls `onReady` with the dashboard's bound address (nil without one), waits
    /// for a stop, then flushes, commits and prints a summary. Failures print one line and exit non-zero.
    func run(onReady: (DashboardAddress?) -> Void) async throws {
        let metrics = try PipelineMetrics()
        var bridge: DashboardBridge?
        var hub: DashboardHub?
        if dashboard != nil {
            let created = DashboardHub(metrics: metrics)
            hub = created
            do { bridge = try DashboardBridge(hub: created, topology: topology) } catch {
                throw Terminal.fail("cannot show the topology on the dashboard: \(error)")
            }
        }
        let pipeline: ScaledPipeline
        do {
            pipeline = try ScaledPipeline(topology: topology, configuration: configuration, metrics: metrics, onOutputRow: bridge?.handler)
            for stage in pipeline.stages {
                Terminal.writeErr("repartitioning \(stage.sourceStream): \(stage.sourceTopic) → \(stage.repartitionTopic) (group \(stage.groupID))\n")
            }
            if let combiner = pipeline.combiner {
                Terminal.writeErr("combining \(combiner.plan.combinedPumps.joined(separator: ", ")) through \(combiner.partialsTopic) (group \(combiner.groupID))\n")
            }
            try await pipeline.start()
        } catch let error as KafkaError {
            throw Terminal.fail(error.description)
        } catch {
            throw Terminal.fail("\(error)")
        }

        var serverTask: Task<Void, any Error>?
        var address: DashboardAddress?
        if let dashboard, let hub {
            let (listening, continuation) = AsyncStream.makeStream(of: DashboardAddress?.self)
            let server = DashboardServer(hub: hub, configuration: dashboard)
            serverTask = Task {
                do {
                    try await server.run { address in continuation.yield(address) }
                } catch {
                    Terminal.writeErr("error: dashboard on \(dashboard.host):\(dashboard.port) stopped: \(error)\n")
                    continuation.yield(nil)
                }
                continuation.finish()
            }
            for await bound in listening {
                address = bound
                break
            }
            if address == nil {
                try? await pipeline.stop()
                throw ExitCode.failure
            }
        }
        onReady(address)

        let failure = await waitForStop(pipeline)
        // The dashboard keeps serving until the process exits: cancelling Hummingbird's server task
        // makes it log a CancellationError as an error, which would alarm people at every Ctrl-C.
        withExtendedLifetime(serverTask) {}
        let progress = pipeline.progress
        Terminal.writeErr("rows in: \(progress.recordsIn), rows out: \(progress.rowsDelivered), errors: \(progress.errors), late: \(progress.lateRows)\n")
        for stage in pipeline.stages {
            let forwarded = stage.progress
            Terminal.writeErr("repartitioned \(stage.sourceStream): \(forwarded.forwarded) records forwarded (\(forwarded.undecodable) without a key), \(progress.duplicatesSkipped) replayed duplicates skipped\n")
        }
        if let combiner = pipeline.combiner {
            let combined = combiner.progress
            Terminal.writeErr("combined: \(combined.partials) partial windows from \(combiner.taskCount) tasks, \(combined.partialsAfterFire) after their window fired (replays or late), \(combined.rejected) rejected; \(combined.rowsDelivered) combined rows out"
                + (configuration.exactlyOnce ? " in \(combined.transactionsCommitted) committed transactions (\(combined.transactionsAborted) aborted)" : "") + "\n")
        }
        if configuration.stateDirectory != nil {
            let last = String(format: "%.1f", progress.lastCheckpointSeconds * 1000)
            let restore = String(format: "%.1f", progress.lastRestoreSeconds * 1000)
            Terminal.writeErr("checkpoints: \(progress.checkpointsWritten) written (last \(progress.lastCheckpointBytes) bytes in \(last) ms), tasks restored: \(progress.restoredTasks) (last in \(restore) ms)\n")
        }
        if let failure { throw Terminal.fail(failure) }
    }

    private enum Event: Sendable { case stopRequested, ended(String?) }

    /// Returns nil after a clean stop, or the reason the pipeline ended on its own.
    private func waitForStop(_ pipeline: ScaledPipeline) async -> String? {
        let duration = self.duration
        return await withTaskGroup(of: Event.self) { group in
            group.addTask {
                if let duration {
                    try? await Task.sleep(for: .milliseconds(Int64(duration * 1000)))
                    return .stopRequested
                }
                for await _ in StopSignals.stream() { return .stopRequested }
                return .stopRequested
            }
            if duration != nil {
                group.addTask {
                    for await _ in StopSignals.stream() { return .stopRequested }
                    return .stopRequested
                }
            }
            group.addTask {
                do {
                    try await pipeline.finished()
                    return .ended(nil)
                } catch {
                    return .ended("\(error)")
                }
            }
            var failure: String?
            if case .ended(let reason)? = await group.next() {
                failure = reason ?? "the pipeline stopped"
            } else {
                Terminal.writeErr("stopping: flushing outputs and committing offsets\n")
                do { try await pipeline.stop() } catch { failure = "\(error)" }
            }
            group.cancelAll()
            return failure
        }
    }
}

extension DashboardConfiguration {
    /// `--dashboard HOST:PORT` with `--dashboard-token` (or EDDY_DASHBOARD_TOKEN): a non-loopback
    /// address without a token is refused, since the page shows pipeline data.
    static func fromOptions(address: String, token: String?) throws -> DashboardConfiguration {
        let token = token ?? ProcessInfo.processInfo.environment["EDDY_DASHBOARD_TOKEN"]
        let configuration = try DashboardConfiguration(address: address, token: token)
        if !configuration.isLoopback && token == nil {
            throw ValidationError("--dashboard \(address) is not a loopback address: set --dashboard-token (or EDDY_DASHBOARD_TOKEN) so requests need a token")
        }
        return configuration
    }
}
