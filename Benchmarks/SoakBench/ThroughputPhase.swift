import Foundation

/// The throughput cost of checkpointing: the same backlog consumed by fresh groups with checkpoints
/// off and on, alternating, in the same run (best of `rounds` per configuration).
struct ThroughputPhase {
    struct Configuration {
        var label: String
        /// `--checkpoint-interval` in seconds; nil runs without `--state-dir`.
        var checkpointInterval: Double?
    }

    let options: SoakOptions
    let eddy: String
    let work: URL
    let bootstrap: String
    let topology: SoakTopology
    let topologyPath: String
    let rounds = 3

    /// Records/s per configuration label (best round), in the order run.
    func run() -> [(Configuration, Double?)] {
        guard let producer = try? ChildProcess(eddy, [
            "produce", "--brokers", bootstrap, "--topic", topology.sourceTopics[0], "--generate", "reviews",
            "--seed", "7", "--count", String(options.backlog), "-X", "sticky.partitioning.linger.ms=0",
        ], log: work.appendingPathComponent("backlog-produce.log")), producer.waitForExit(timeout: 300) == 0 else {
            fail("producing the backlog failed")
        }
        var configurations = [Configuration(label: "checkpoints off", checkpointInterval: nil),
                              Configuration(label: String(format: "checkpoints every %gs", options.checkpointInterval), checkpointInterval: options.checkpointInterval)]
        if options.checkpointInterval != 1 { configurations.append(Configuration(label: "checkpoints every 1s", checkpointInterval: 1)) }
        var best: [String: Double] = [:]
        for round in 0..<rounds {
            // Rotate the order each round, so a machine getting busier or quieter favours none.
            for offset in configurations.indices {
                let configuration = configurations[(offset + round) % configurations.count]
                if let rate = measure(configuration, round: round) {
                    best[configuration.label] = max(best[configuration.label] ?? 0, rate)
                    log(String(format: "throughput round %d, %@: %.0f records/s", round + 1, configuration.label, rate))
                }
            }
        }
        return configurations.map { ($0, best[$0.label]) }
    }

    /// Records/s from the first record counted until the whole backlog was: start-up excluded.
    private func measure(_ configuration: Configuration, round: Int) -> Double? {
        let name = "tp-\(configuration.checkpointInterval.map { String(format: "%g", $0) } ?? "off")-\(round)"
        var arguments = ["run", topologyPath, "--brokers", bootstrap, "--group", name, "--dashboard", "127.0.0.1:0"]
        if let interval = configuration.checkpointInterval {
            let state = work.appendingPathComponent("state-\(name)")
            try? FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            arguments += ["--state-dir", state.path, "--checkpoint-interval", String(format: "%gs", interval), "--instance-id", name]
        }
        guard let run = try? ChildProcess(eddy, arguments, log: work.appendingPathComponent("\(name).log")) else { return nil }
        defer {
            run.send(SIGTERM)
            run.waitForExit()
        }
        guard let line = run.line(startingWith: "dashboard: ", timeout: 60),
              let url = URL(string: String(line.dropFirst("dashboard: ".count).split(separator: "?")[0]) + "metrics") else {
            log("\(name) did not start:\n\(run.logTail())")
            return nil
        }
        var first: (Date, Double)?
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let records = MetricsScrape.fetch(url)?.total("eddy_records_in_total") ?? 0
            let now = Date()
            if first == nil, records > 0 { first = (now, records) }
            if let (start, base) = first, records >= Double(options.backlog) {
                return (records - base) / max(now.timeIntervalSince(start), 1e-3)
            }
            usleep(100_000)
        }
        log("\(name) did not consume the backlog within 300 s")
        return nil
    }
}
