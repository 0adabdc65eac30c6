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
        let dashboard = ["--dashboard", "127.0.0.1:0"]
        let first = try cluster.start("two-a", cluster.runArguments(
            topology: pairTopology, group: "two", instanceID: "two-a", stateDirectory: shared, extra: dashboard))
        let second = try cluster.start("two-b", cluster.runArguments(
            topology: pairTopology, group: "two", instanceID: "two-b", stateDirectory: shared, extra: dashboard))
        for run in [single, first, second] { try await expectStarted(run) }
        let firstMetrics = try await metricsURL(of: first), secondMetrics = try await metricsURL(of: second)

        let producer = try cluster.startProducer(Self.plan)
        let streamStart = Date()
        // Each member must own tasks before one stops, or the test would show nothing about scale-out.
        var firstTasks: Set<String> = [], secondTasks: Set<String> = []
        let split = await waitUntil(timeout: 30, interval: .milliseconds(500)) {
            firstTasks = await stateTasks(firstMetrics)
            secondTasks = await stateTasks(secondMetrics)
            return !firstTasks.isEmpty && !secondTasks.isEmpty && !firstTasks.isSubset(of: secondTasks)
        }
        guard split else {
            throw RecoveryFailure("""
                the two instances did not both report tasks in eddy_state_bytes{task=...} on /metrics within 30 s \
                (first: \(firstTasks.sorted()), second: \(secondTasks.sorted())); logs:
                \(first.logTail(8))
                \(second.logTail(8))
                """)
        }
        let halfway = streamStart.addingTimeInterval(Self.plan.seconds / 2)
        if halfway > Date() { try await Task.sleep(for: .milliseconds(Int64(halfway.timeIntervalSinceNow * 1000))) }
        #expect(producer.isRunning, "the stream ended before the first instance was stopped")
        let handedOver = await stateTasks(firstMetrics).subtracting(secondTasks)
        first.send(SIGTERM)
        let firstStatus = await first.waitForExit()
        #expect(firstStatus == 0, "first instance: \(first.logTail())")
        let stoppedAt = Date()
        var secondNow: Set<String> = []
        let tookOver = await waitUntil(timeout: 30, interval: .milliseconds(300)) {
            secondNow = await stateTasks(secondMetrics)
            return handedOver.isSubset(of: secondNow)
        }
        let takeoverSeconds = Date().timeIntervalSince(stoppedAt)
        #expect(tookOver, "the second instance reports tasks \(secondNow.sorted()), not the first's \(handedOver.sorted()): \(second.logTail())")

        let producerStatus = await producer.waitForExit(timeout: Self.plan.seconds + 60)
        #expect(producerStatus == 0, "eddy produce: \(producer.logTail())")
        try await cluster.produceTrailers()
        try await waitForCatchUp(cluster, groups: ["one", "two"], runs: [single, second])
        single.send(SIGTERM)
        second.send(SIGTERM)
        let singleStatus = await single.waitForExit(), secondStatus = await second.waitForExit()
        #expect(singleStatus == 0, "single instance: \(single.logTail())")
        #expect(secondStatus == 0, "second instance: \(second.logTail())")

        let expected = try await cluster.rows(prefix: "one")
        let actual = try await cluster.rows(prefix: "two")
        let report = OutputChecker.compare(reference: expected, candidate: actual)
        // A clean handover checkpoints on revoke, so at most one checkpoint interval's rows repeat.
        let bound = Int((Double(expected.count) / Self.plan.seconds * 2).rounded(.up))
        print("""
            two instances: tasks \(firstTasks.sorted()) + \(secondTasks.sorted()); first stopped at \
            \(String(format: "%.1f", stoppedAt.timeIntervalSince(streamStart))) s, second owned \(handedOver.count) more tasks \
            \(String(format: "%.1f", takeoverSeconds)) s later; \(report.summary); repeat bound \(bound)
            """)
        #expect(expected.count >= 10 * Int(Self.plan.seconds), "the single instance closed too few windows: \(expected.count) rows")
        #expect(report.passed, "\(report.summary)")
        #expect(report.repeats <= bound, "\(report.repeats) repeated rows after a clean handover exceed \(bound)")
        await cluster.stop()
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

/// The task labels of the `eddy_state_bytes{task="..."}` gauge: the tasks an instance holds.
func stateTasks(_ metrics: URL) async -> Set<String> {
    guard let text = await fetchText(metrics) else { return [] }
    var tasks: Set<String> = []
    for line in text.split(separator: "\n") where line.hasPrefix("eddy_state_bytes{") {
        guard let start = line.range(of: "task=\"") else { continue }
        let rest = line[start.upperBound...]
        if let end = rest.firstIndex(of: "\"") { tasks.insert(String(rest[..<end])) }
    }
    return tasks
}

/// GET `url` as text; nil when the server does not answer (the run may be stopping).
func fetchText(_ url: URL) async -> String? {
    guard let (data, response) = try? await URLSession.shared.data(from: url),
          (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
    return String(decoding: data, as: UTF8.self)
}
