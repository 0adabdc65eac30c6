import EddyKafka
import Foundation

/// One RSS and metrics sample of the soaked process.
struct SoakSample {
    var seconds: Double
    var residentBytes: Int?
    var stateBytes: Double?
    var recordsIn: Double?
    var incarnation: Int
}

/// What happened at one SIGKILL and the restart after it.
struct RestartRecord {
    var atSeconds: Double
    /// From the restart until the new process printed `running ...` (start-up, before Kafka).
    var startSeconds: Double
    /// From the restart until the process had checkpointed once more (restore + catch-up + checkpoint).
    var durableAgainSeconds: Double?
    /// Repeated rows the counter read between this restart and the next one (or the end).
    var repeats = 0
    /// Rows of the late stream read in the same span (records the replay classified as late).
    var lateRows = 0
}

/// The soak: `eddy run` over a steady stream for `duration` seconds, SIGKILLed every `killEvery`
/// seconds and restarted, sampled every `sampleEvery` seconds.
struct SoakPhase {
    let options: SoakOptions
    let eddy: String
    let work: URL
    let bootstrap: String
    let topology: SoakTopology
    let topologyPath: String

    var samples: [SoakSample] = []
    var restarts: [RestartRecord] = []
    var checkpointDurations = DurationTracker(name: "eddy_checkpoint_duration_seconds")
    var restoreDurations = DurationTracker(name: "eddy_restore_duration_seconds")
    /// Per output topic (without the soak prefix): rows, repeats and how the repeats compared.
    var repeatsByTopic: [String: TopicRepeats] = [:]
    var caughtUp = false
    /// Repeats read before any kill (should be 0: nothing replays without a crash).
    var repeatsBeforeFirstKill = 0
    /// Late-stream rows read before the first kill.
    var lateRowsBeforeFirstKill = 0
    private var repeatMarks: [(repeats: Int, lateRows: Int)] = []

    init(options: SoakOptions, eddy: String, work: URL, bootstrap: String, topology: SoakTopology, topologyPath: String) {
        self.options = options
        self.eddy = eddy
        self.work = work
        self.bootstrap = bootstrap
        self.topology = topology
        self.topologyPath = topologyPath
    }

    private var stateDirectory: URL { work.appendingPathComponent("state-soak") }

    private func runArguments() -> [String] {
        ["run", topologyPath, "--brokers", bootstrap, "--group", "soak",
         "--state-dir", stateDirectory.path, "--checkpoint-interval", String(format: "%gs", options.checkpointInterval),
         "--instance-id", "soak-1", "--dashboard", "127.0.0.1:0",
         "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300"]
    }

    /// Starts `eddy run` and returns it with its /metrics URL, or stops the benchmark with its log.
    private func startRun(_ incarnation: Int) -> (ChildProcess, URL) {
        let log = work.appendingPathComponent("soak-run-\(incarnation).log")
        guard let run = try? ChildProcess(eddy, runArguments(), log: log) else { fail("cannot start \(eddy)") }
        guard run.line(startingWith: "running ", timeout: 60) != nil,
              let dashboard = run.line(startingWith: "dashboard: ", timeout: 10),
              let url = URL(string: String(dashboard.dropFirst("dashboard: ".count).split(separator: "?")[0]) + "metrics") else {
            fail("eddy \(runArguments().joined(separator: " ")) did not start:\n\(run.logTail())")
        }
        return (run, url)
    }

    mutating func run() {
        try? FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        // Every output topic is read: those without naming fields are counted as unnamed rows.
        let namings = Dictionary(uniqueKeysWithValues: topology.outputTopics.map { topic -> (String, RowNaming) in
            let suffix = reviewsNamings.keys.first { topic.hasSuffix($0) }
            return (topic, suffix.map { reviewsNamings[$0]! } ?? RowNaming(fields: [], keepsText: false))
        })
        guard let counter = try? OutputRepeatCounter(bootstrap: bootstrap, namings: namings) else { fail("cannot read the output topics") }
        func mark() -> (repeats: Int, lateRows: Int) {
            let topics = counter.perTopic
            return (topics.values.reduce(0) { $0 + $1.repeats }, topics.first { $0.key.hasSuffix(".late") }?.value.rows ?? 0)
        }
        var incarnation = 0
        var (run, metrics) = startRun(incarnation)
        let count = Int(options.rate * options.duration)
        guard let producer = try? ChildProcess(eddy, [
            "produce", "--brokers", bootstrap, "--topic", topology.sourceTopics[0], "--generate", "reviews",
            "--seed", "42", "--count", String(count), "--rate", String(options.rate), "-X", "sticky.partitioning.linger.ms=0",
        ], log: work.appendingPathComponent("soak-produce.log")) else { fail("cannot start eddy produce") }
        let start = Date()
        var nextSample = 0.0, nextKill = options.killEvery
        var freshScrape = true
        var pendingDurable: (index: Int, since: Date)?
        while true {
            let now = Date().timeIntervalSince(start)
            if now >= options.duration && !producer.isRunning { break }
            if now >= nextKill && now < options.duration {
                repeatMarks.append(mark())
                run.send(SIGKILL)
                run.waitForExit()
                let restartAt = Date()
                incarnation += 1
                (run, metrics) = startRun(incarnation)
                restarts.append(RestartRecord(atSeconds: now, startSeconds: Date().timeIntervalSince(restartAt)))
                pendingDurable = (restarts.count - 1, restartAt)
                freshScrape = true
                nextKill += options.killEvery
                log(String(format: "%.0f s: SIGKILL and restart %d (running after %.2f s)", now, incarnation, restarts.last!.startSeconds))
            }
            if now >= nextSample {
                let scrape = MetricsScrape.fetch(metrics)
                if let scrape {
                    checkpointDurations.record(scrape, fresh: freshScrape)
                    restoreDurations.record(scrape, fresh: freshScrape)
                    freshScrape = false
                }
                samples.append(SoakSample(seconds: now, residentBytes: run.residentBytes, stateBytes: scrape?.total("eddy_state_bytes"),
                                          recordsIn: scrape?.total("eddy_records_in_total"), incarnation: incarnation))
                nextSample += options.sampleEvery
            }
            if let pending = pendingDurable, let newest = newestCheckpoint(), newest > pending.since {
                restarts[pending.index].durableAgainSeconds = newest.timeIntervalSince(pending.since)
                pendingDurable = nil
            }
            usleep(100_000)
        }
        if producer.waitForExit() != 0 { log("eddy produce failed:\n\(producer.logTail())") }
        caughtUp = waitForCatchUp(metrics)
        // The last scrape after the stream: checkpoints taken while catching up.
        if let scrape = MetricsScrape.fetch(metrics) { checkpointDurations.record(scrape, fresh: freshScrape) }
        run.send(SIGTERM)
        if run.waitForExit() != 0 { log("eddy run did not stop cleanly:\n\(run.logTail())") }
        usleep(2_000_000)
        counter.stop()
        let marks = repeatMarks + [mark()]
        repeatsByTopic = Dictionary(uniqueKeysWithValues: counter.perTopic.map { (String($0.key.dropFirst("soak.".count)), $0.value) })
        // Repeats caused by restart i are read after it, before restart i + 1.
        for index in restarts.indices {
            restarts[index].repeats = marks[index + 1].repeats - marks[index].repeats
            restarts[index].lateRows = marks[index + 1].lateRows - marks[index].lateRows
        }
        repeatsBeforeFirstKill = marks[0].repeats
        lateRowsBeforeFirstKill = marks[0].lateRows
    }

    private func newestCheckpoint() -> Date? {
        guard let walker = FileManager.default.enumerator(at: stateDirectory, includingPropertiesForKeys: [.contentModificationDateKey]) else { return nil }
        var newest: Date?
        for case let url as URL in walker where url.pathExtension == "ckpt" && !url.lastPathComponent.hasPrefix(".") {
            if let date = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, date > (newest ?? .distantPast) { newest = date }
        }
        return newest
    }

    /// Waits up to 120 s for the run to have read every source partition to its end: its
    /// `eddy_consumer_lag` gauges (high watermark minus position) all reach 0. (The group's committed
    /// offsets stay behind the records of still-open windows, so they are not the measure.)
    private func waitForCatchUp(_ metrics: URL) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let lag = MetricsScrape.fetch(metrics)?.total("eddy_consumer_lag"), lag == 0 { return true }
            usleep(500_000)
        }
        return false
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("soak: \(message)\n".utf8))
}
