import EddyKafka
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Issue 6, "Two instances": two `eddy run` processes in one group split the partitions and their
/// outputs equal one instance's; when one stops, the other takes over its tasks with their
/// checkpointed state and no window goes missing.
@Suite("Two instances in one consumer group")
struct TwoInstanceTests {
    /// 24 s of reviews at 600/s, keyed by category; the first instance stops halfway.
    static let plan = StreamPlan(seed: 6_022, count: 14_400, rate: 600)

    @Test("Two instances match a single one; after SIGTERM to one, the other takes over its tasks with no window gap")
    func twoInstancesThenOne() async throws {
        let cluster = try await RecoveryCluster.start(label: "pair", partitions: 12, prefixes: ["one", "two"])
        let single = try cluster.start("one", cluster.runArguments(
            topology: try cluster.writeTopology(prefix: "one"), group: "one", instanceID: "one-1", stateDirectory: try cluster.stateDirectory("one")))
        let pairTopology = try cluster.writeTopology(prefix: "two"), shared = try cluster.stateDirectory("two")
        let first = try cluster.start("two-a", cluster.runArguments(
            topology: pairTopology, group: "two", instanceID: "two-a", stateDirectory: shared))
        try await expectStarted(single)
        try await expectStarted(first)

        let producer = try cluster.startProducer(Self.plan)
        let streamStart = Date()
        // The first instance owns every task until the second joins; the rebalance then hands the
        // second some of them. Waiting for the first's checkpoints makes that order certain.
        guard await waitUntil(timeout: 30, { !checkpointScopes(under: shared, writer: "two-a").isEmpty }) else {
            throw RecoveryFailure("the first instance wrote no checkpoint under \(shared.path) within 30 s: \(first.logTail())")
        }
        let second = try cluster.start("two-b", cluster.runArguments(
            topology: pairTopology, group: "two", instanceID: "two-b", stateDirectory: shared, extra: ["--dashboard", "127.0.0.1:0"]))
        try await expectStarted(second)
        let secondMetrics = try await metricsURL(of: second)
        // Split: the second checkpoints tasks of its own while the first keeps some it never had.
        var firstScopes: Set<String> = [], secondScopes: Set<String> = []
        let split = await waitUntil(timeout: 30, interval: .milliseconds(300)) {
            firstScopes = checkpointScopes(under: shared, writer: "two-a")
            secondScopes = checkpointScopes(under: shared, writer: "two-b")
            return !secondScopes.isEmpty && !firstScopes.subtracting(secondScopes).isEmpty
        }
        guard split else {
            throw RecoveryFailure("""
                the two instances did not split the tasks within 30 s (checkpoint scopes of two-a: \(firstScopes.sorted()), \
                of two-b: \(secondScopes.sorted())); logs:
                \(first.logTail(8))
                \(second.logTail(8))
                """)
        }
        let halfway = streamStart.addingTimeInterval(Self.plan.seconds / 2)
        if halfway > Date() { try await Task.sleep(for: .milliseconds(Int64(halfway.timeIntervalSinceNow * 1000))) }
        #expect(producer.isRunning, "the stream ended before the first instance was stopped")
        let handedOver = checkpointScopes(under: shared, writer: "two-a").subtracting(checkpointScopes(under: shared, writer: "two-b"))
        let restoresBefore = await restoreCount(secondMetrics) ?? 0
        first.send(SIGTERM)
        let firstStatus = await first.waitForExit()
        #expect(firstStatus == 0, "first instance: \(first.logTail())")
        let stoppedAt = Date()
        // Taking over = restoring the first's checkpoints and checkpointing those tasks itself.
        var taken: Set<String> = []
        let tookOver = await waitUntil(timeout: 30, interval: .milliseconds(300)) {
            taken = checkpointScopes(under: shared, writer: "two-b", since: stoppedAt)
            return handedOver.isSubset(of: taken)
        }
        let takeoverSeconds = Date().timeIntervalSince(stoppedAt)
        let restoresAfter = await restoreCount(secondMetrics) ?? 0
        #expect(tookOver, "after the first stopped, the second checkpointed \(taken.sorted()), not all of the first's \(handedOver.sorted()): \(second.logTail())")
        // The topology's global pump is combined: the combiner's scope (`two.combiner`) is handed over
        // too (checked above: the second checkpoints it), but only task restores count in this metric.
        let handedOverTasks = handedOver.filter { !$0.hasSuffix(".combiner") }.count
        #expect(restoresAfter >= restoresBefore + Double(handedOverTasks),
                "eddy_restore_duration_seconds_count of the second went from \(restoresBefore) to \(restoresAfter) for \(handedOverTasks) tasks taken over")

        let producerStatus = await producer.waitForExit(timeout: Self.plan.seconds + 60)
        #expect(producerStatus == 0, "eddy produce: \(producer.logTail())")
        let (expected, report) = try await stopAndCompare(
            cluster, reference: (single, group: "one", name: "single instance"), candidate: (second, group: "two", name: "second instance"))
        // A clean handover checkpoints on revoke, so at most one checkpoint interval's rows repeat.
        let bound = Int((Double(expected.count) / Self.plan.seconds * 2).rounded(.up))
        print("""
            two instances: checkpoint scopes two-a \(firstScopes.sorted()), two-b \(secondScopes.sorted()); first stopped at \
            \(String(format: "%.1f", stoppedAt.timeIntervalSince(streamStart))) s, the second restored and checkpointed its \
            \(handedOver.count) tasks \(String(format: "%.1f", takeoverSeconds)) s later (restores \(Int(restoresBefore)) → \(Int(restoresAfter))); \
            \(report.summary); repeat bound \(bound)
            """)
        #expect(expected.count >= 10 * Int(Self.plan.seconds), "the single instance closed too few windows: \(expected.count) rows")
        #expect(report.passed, "\(report.summary)")
        #expect(report.repeats <= bound, "\(report.repeats) repeated rows after a clean handover exceed \(bound)")
        await cluster.stop(keepFiles: !report.passed || report.repeats > bound)
    }
}

/// The `/metrics` URL of a run started with `--dashboard 127.0.0.1:0` (it prints `dashboard: URL`).
func metricsURL(of run: LoggedProcess) async throws -> URL {
    guard let line = await run.line(startingWith: "dashboard: ", timeout: 30),
          let url = URL(string: String(line.dropFirst("dashboard: ".count)).split(separator: "?")[0] + "metrics") else {
        throw RecoveryFailure("eddy run --dashboard 127.0.0.1:0 printed no 'dashboard: URL' line: \(run.logTail())")
    }
    return url
}

/// Task scopes `writer` (an instance id) saved checkpoints for under `directory`, optionally only
/// checkpoints written since `since`. Files are named `<scope>~<id>~<writer>.ckpt`.
func checkpointScopes(under directory: URL, writer: String, since: Date = .distantPast) -> Set<String> {
    var scopes: Set<String> = []
    for file in checkpointFiles(under: directory) where file.modified >= since {
        let parts = URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent.split(separator: "~")
        if parts.count == 3, parts[2] == writer { scopes.insert(String(parts[0])) }
    }
    return scopes
}

/// How many restores the instance made (`eddy_restore_duration_seconds_count`); nil if unreachable.
func restoreCount(_ metrics: URL) async -> Double? {
    guard let text = await fetchText(metrics) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("eddy_restore_duration_seconds_count") {
        if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
    }
    return nil
}

/// GET `url` as text; nil when the server does not answer (the run may be stopping).
func fetchText(_ url: URL) async -> String? {
    guard let (data, response) = try? await URLSession.shared.data(from: url),
          (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
    return String(decoding: data, as: UTF8.self)
}
