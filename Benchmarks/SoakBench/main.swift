// Soak benchmark (issue 6, not a test): `eddy run` over a steady stream for ten minutes with a
// SIGKILL every two minutes, then the throughput cost of checkpointing (on vs off, same run).
// Reports RSS over time, checkpoint duration, restore time, repeats per restart and the cost.
// Usage: scripts/bench soak [--duration 600 --rate 2000 --kill-every 120 ...] (see SoakOptions).
import Foundation

let options = SoakOptions.parse(Array(CommandLine.arguments.dropFirst()))
let ownDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
let eddy = options.eddy ?? ownDirectory.appendingPathComponent("eddy").path
guard FileManager.default.isExecutableFile(atPath: eddy) else {
    fail("no eddy binary at \(eddy): build it with `swift build -c release --product eddy` (scripts/bench soak does)")
}
guard let sourceText = try? String(contentsOfFile: options.topology, encoding: .utf8) else { fail("cannot read \(options.topology)") }
let soakTopology = SoakTopology(text: sourceText, prefix: "soak.")
let backlogTopology = SoakTopology(text: sourceText, prefix: "tp.")
guard soakTopology.sourceTopics.count == 1 else { fail("\(options.topology): expected one source topic, found \(soakTopology.sourceTopics)") }

let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eddy-soak-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
let soakPath = work.appendingPathComponent("soak.sql").path, backlogPath = work.appendingPathComponent("backlog.sql").path
try Data(soakTopology.sql.utf8).write(to: URL(fileURLWithPath: soakPath))
try Data(backlogTopology.sql.utf8).write(to: URL(fileURLWithPath: backlogPath))

// Unkeyed sources with many partitions: the embedded cluster keeps ~5 MiB per partition, and a
// restart replays up to one checkpoint interval (plus the restart) of each partition.
var brokerArguments = ["broker", "--topic", "\(soakTopology.sourceTopics[0]):24", "--topic", "\(backlogTopology.sourceTopics[0]):32"]
for topic in soakTopology.outputTopics + backlogTopology.outputTopics { brokerArguments += ["--topic", "\(topic):4"] }
// With one task per partition (`--tasks auto` on reviews.sql) the run also needs its internal topics,
// which the embedded cluster cannot create on demand: the repartition topic (as many partitions as
// the source) and the partials topic (one).
for (path, partitions) in [(soakPath, 24), (backlogPath, 32)] {
    for topic in internalTopics(eddy: eddy, topologyPath: path) {
        brokerArguments += ["--topic", "\(topic.name):\(topic.single ? 1 : partitions)"]
    }
}
let broker = try ChildProcess(eddy, brokerArguments, log: work.appendingPathComponent("broker.log"))
guard let first = broker.line(startingWith: "bootstrap.servers=", timeout: 30) else { fail("eddy broker did not start: \(broker.logTail())") }
let bootstrap = String(first.dropFirst("bootstrap.servers=".count))
log("embedded cluster at \(bootstrap); logs in \(work.path)")

var soak = SoakPhase(options: options, eddy: eddy, work: work, bootstrap: bootstrap, topology: soakTopology, topologyPath: soakPath)
soak.run()
let throughput = ThroughputPhase(options: options, eddy: eddy, work: work, bootstrap: bootstrap, topology: backlogTopology, topologyPath: backlogPath).run()
broker.send(SIGTERM)
broker.waitForExit()
// Logs and checkpoints stay only when something went wrong (they are hundreds of MB otherwise).
if soak.caughtUp && throughput.allSatisfy({ $0.1 != nil }) {
    try? FileManager.default.removeItem(at: work)
} else {
    log("logs and state kept in \(work.path)")
}

// MARK: - Report

func megabytes(_ bytes: Double?) -> String { bytes.map { String(format: "%.1f", $0 / 1_048_576) } ?? "n/a" }

print("\nSoak: \(options.topology), \(Int(options.duration)) s at \(Int(options.rate)) records/s, SIGKILL every \(Int(options.killEvery)) s (\(soak.restarts.count) kills), checkpoint interval \(String(format: "%g", options.checkpointInterval)) s")
print("\n| t (s) | incarnation | RSS (MB) | state (MB, eddy_state_bytes) | records in (this incarnation) |")
print("|---|---|---|---|---|")
let every = max(1, Int((30 / options.sampleEvery).rounded()))
for (index, sample) in soak.samples.enumerated() where index % every == 0 || index == soak.samples.count - 1 {
    print("| \(Int(sample.seconds)) | \(sample.incarnation) | \(megabytes(sample.residentBytes.map(Double.init))) | \(megabytes(sample.stateBytes)) | \(sample.recordsIn.map { String(Int($0)) } ?? "n/a") |")
}
// Steady RSS: each incarnation's samples after its first 30 s (start-up, restore and catch-up).
let settle = Int((30 / options.sampleEvery).rounded(.up))
let incarnations = Dictionary(grouping: soak.samples, by: \.incarnation).sorted { $0.key < $1.key }
let steadyRange = incarnations.map { entry -> String in
    let steady = entry.value.dropFirst(settle).compactMap(\.residentBytes)
    guard let low = steady.min(), let high = steady.max() else { return "n/a" }
    return "\(megabytes(Double(low)))–\(megabytes(Double(high)))"
}
let perIncarnationPeak = incarnations.map { megabytes($0.value.compactMap(\.residentBytes).max().map(Double.init)) }
print("\n| figure | value |")
print("|---|---|")
print("| RSS per incarnation after its first 30 s, min–max | \(steadyRange.joined(separator: ", ")) MB |")
print("| RSS peak per incarnation (restores included) | \(perIncarnationPeak.joined(separator: ", ")) MB |")
print("| checkpoint duration | \(soak.checkpointDurations.summary) |")
print("| restore duration (eddy_restore_duration_seconds) | \(soak.restoreDurations.summary) |")
print("| restart to `running` (process start-up) | \(soak.restarts.map { String(format: "%.2f", $0.startSeconds) }.joined(separator: ", ")) s |")
print("| restart to next checkpoint saved (restore + catch-up) | \(soak.restarts.map { $0.durableAgainSeconds.map { String(format: "%.2f", $0) } ?? "none" }.joined(separator: ", ")) s |")
print("| repeats per restart (named rows, every topic) | \(soak.restarts.map { String($0.repeats) }.joined(separator: ", ")); before any kill: \(soak.repeatsBeforeFirstKill) |")
print("| late-stream rows per restart | \(soak.restarts.map { String($0.lateRows) }.joined(separator: ", ")); before any kill: \(soak.lateRowsBeforeFirstKill) |")
print("| caught up after the stream | \(soak.caughtUp ? "yes" : "NO (lag left after 120 s)") |")

print("\nRepeats per output topic, each compared with the first copy of its name: identical bytes; equal within \(OutputRepeatCounter.tolerance) relative on every number and exactly elsewhere; divergent beyond that")
print("\n| topic | rows | unnamed | repeats | identical | within 1e-9 | divergent | largest relative difference (tolerated / divergent) | divergent fields |")
print("|---|---|---|---|---|---|---|---|---|")
for (topic, stats) in soak.repeatsByTopic.sorted(by: { $0.key < $1.key }) {
    let fields = stats.divergentFields.sorted { $0.value > $1.value }.prefix(6).map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    print("| \(topic) | \(stats.rows) | \(stats.unnamed) | \(stats.repeats) | \(stats.identical) | \(stats.withinTolerance) | \(stats.divergent) | "
        + String(format: "%.2g / %.2g", stats.largestToleratedDifference, stats.largestDivergentDifference) + " | \(fields.isEmpty ? "-" : fields) |")
}
for (topic, stats) in soak.repeatsByTopic.sorted(by: { $0.key < $1.key }) {
    guard let example = stats.example else { continue }
    print("\nFirst divergent repeat of \(topic): \(example.fields)\n  first:  \(example.first ?? "(text not kept)")\n  repeat: \(example.repeated)")
}
let reference = throughput.first?.1
print("\nThroughput cost of checkpointing: \(options.backlog) backlog records, best of 3 rounds in rotating order")
print("\n| configuration | records/s | ratio to checkpoints off |")
print("|---|---|---|")
for (configuration, rate) in throughput {
    let ratio = rate.flatMap { rate in reference.map { String(format: "%.3f", rate / $0) } } ?? "n/a"
    print("| \(configuration.label) | \(rate.map { String(Int($0)) } ?? "n/a") | \(ratio) |")
}

/// The internal topics `eddy explain` names for a topology: repartition topics, and the partials topic
/// of combined global pumps (`single`: it has one partition).
func internalTopics(eddy: String, topologyPath: String) -> [(name: String, single: Bool)] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: eddy)
    process.arguments = ["explain", topologyPath]
    let pipe = Pipe()
    process.standardOutput = pipe
    guard (try? process.run()) != nil else { fail("cannot run \(eddy) explain") }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    var topics: [(name: String, single: Bool)] = []
    for line in text.split(separator: "\n") {
        for (marker, single) in [("repartitioned through topic ", false), ("combined through topic ", true)] {
            guard let range = line.range(of: marker) else { continue }
            let name = line[range.upperBound...].prefix { $0 != " " }
            if !topics.contains(where: { $0.name == name }) { topics.append((String(name), single)) }
        }
    }
    return topics
}
