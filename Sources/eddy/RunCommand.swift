import ArgumentParser
import EddyDashboard
import EddyEngine
import EddyKafka
import EddyRuntime
import EddySQL
import EddyWorkload
import Foundation

/// `eddy run FILE --input STREAM=PATH ... --output-dir DIR` replays files through the topology;
/// `eddy run FILE --brokers B [--group G] [-X k=v]...` runs it on Kafka until SIGINT/SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a topology on Kafka (--brokers) or over JSONL/CSV/TSV files (--input, replay).",
        discussion: """
        On Kafka: consumes the bound source topics in a consumer group (--tasks: one engine for all \
        assigned partitions, or one per partition number; auto picks per partition when the topology is \
        partition-local, and then repartitions a source whose topic is not keyed by the grouping column \
        through <topology>.repartition.<source>, which must exist on the embedded cluster: \
        eddy broker --topic <topology>.repartition.<source>:N, and combines global aggregates through \
        <topology>.partials: eddy broker --topic <topology>.partials:1) and produces the bound output streams, \
        error_stream and late_stream to their topics. Input offsets are committed only after the outputs \
        derived from them are delivered, every second and on SIGINT/SIGTERM (which flush first). \
        With --state-dir every task's state is checkpointed with its input offsets (every \
        --checkpoint-interval, on revoke and at shutdown) and restored on start and assignment, reading \
        on from the checkpoint's offsets: after a crash at most one interval of outputs is produced \
        again, identical and with the same keys (effectively-once). --dashboard serves the live dashboard.
        """
    )

    @Argument(help: "A topology .sql file.") var file: String
    @Option(name: .long, help: "STREAM=PATH: a source stream and the file to read (repeatable).") var input: [String] = []
    @Option(name: .customLong("output-dir"), help: "Directory for <STREAM>.jsonl outputs.") var outputDir: String?
    @Option(name: .long, help: "Bootstrap servers, HOST:PORT[,...]: run on Kafka instead of replaying files.") var brokers: String?
    @Option(name: .long, help: "Consumer group (default eddy-<topology name>).") var group: String?
    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property for the consumer and producer (repeatable).", valueName: "key=value"))
    var properties: [String] = []
    @Option(name: .long, help: ArgumentHelp("Serve the live dashboard on HOST:PORT (loopback unless a token is set).", valueName: "host:port"))
    var dashboard: String?
    @Option(name: .customLong("dashboard-token"), help: "Token the dashboard requires (also EDDY_DASHBOARD_TOKEN).") var dashboardToken: String?
    @OptionGroup(title: "Checkpoints and scale-out") var checkpointing: CheckpointOptions
    @Option(name: .long, help: .hidden) var duration: Double?

    func validate() throws {
        if brokers != nil && (!input.isEmpty || outputDir != nil) {
            throw ValidationError("give either --brokers (Kafka) or --input/--output-dir (replay), not both")
        }
        if brokers == nil && (dashboard != nil || group != nil || !properties.isEmpty || checkpointing.isSet) {
            throw ValidationError("--group, -X, --dashboard, --state-dir, --checkpoint-interval, --keep-checkpoints, --tasks, --instance-id and --exactly-once need --brokers")
        }
    }

    func run() async throws {
        MemoryPolicy.returnLargeBuffersToTheSystem()
        guard case .success(let topology) = TopologyLoader.load(file) else {
            if case .failure(let message) = TopologyLoader.load(file) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            throw ExitCode.failure
        }
        if let brokers {
            try await runOnKafka(topology, brokers: brokers)
            return
        }
        try replay(topology)
    }

    private func runOnKafka(_ topology: Topology, brokers: String) async throws {
        var kafka = KafkaConfiguration(bootstrapServers: brokers)
        let dashboardConfiguration: DashboardConfiguration?
        do {
            for assignment in properties {
                let (key, value) = try KafkaConfiguration.parseAssignment(assignment)
                kafka.set(key, value)
            }
            dashboardConfiguration = try dashboard.map { try DashboardConfiguration.fromOptions(address: $0, token: dashboardToken) }
        } catch {
            throw Terminal.fail("\(error)")
        }
        var configuration = PipelineConfiguration(kafka: kafka, groupID: group ?? "eddy-\(topology.name)")
        let layout: TaskLayoutChoice
        do { layout = try checkpointing.apply(to: &configuration, topology: topology) } catch {
            throw Terminal.fail("\(error)")
        }
        let runner = KafkaRunner(topology: topology, configuration: configuration, dashboard: dashboardConfiguration, duration: duration)
        try await runner.run { address in
            if let address { Terminal.writeOut("dashboard: \(address.url)\n") }
            let state = configuration.stateDirectory.map { "; checkpoints in \($0) every \(checkpointing.checkpointInterval) as \(configuration.instanceID ?? "")" } ?? ""
            Terminal.writeErr("running \(file) in group \(configuration.groupID) (\(configuration.taskLayout == .perPartition ? "a task per partition" : "one task")\(state)); Ctrl-C to stop\n")
            Terminal.writeErr("tasks: \(layout.layout == .perPartition ? "partition" : "single") (\(layout.reason))\n")
        }
    }

    private func replay(_ topology: Topology) throws {
        guard let outputDir, !input.isEmpty else {
            fail("eddy run needs --brokers B (Kafka), or --input STREAM=PATH and --output-dir DIR (replay)")
        }
        var inputs: [Replay.Input] = []
        var totalBytes = 0
        for spec in input {
            guard let eq = spec.firstIndex(of: "=") else { fail("--input \(spec): expected STREAM=PATH") }
            let stream = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
            let folded = stream.hasPrefix("\"") ? String(stream.dropFirst().dropLast()) : (topology.streamIndex(stream) != nil ? stream : stream.uppercased())
            let lower = path.lowercased()
            guard FileManager.default.isReadableFile(atPath: path) else { fail("--input \(spec): cannot read \(path)") }
            totalBytes += (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if let index = topology.streamIndex(folded), topology.streams[index].binding.format == .json,
               lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") {
                // A CSV/TSV file for a JSON source: each row becomes a JSON object named by the header.
                var reader: RecordFileReader
                do { reader = try RecordFileReader(path: path) } catch { fail("--input \(spec): \(error)") }
                inputs.append(Replay.Input(stream: folded, path: path) {
                    switch reader.next() {
                    case .record(let line, let json): Replay.Record(line: line, bytes: json)
                    case .malformed(let line, let reason, let raw): Replay.Record(line: line, bytes: raw, failure: reason)
                    case nil: nil
                    }
                })
                continue
            }
            guard let reader = LineFileReader(path: path) else { fail("--input \(spec): cannot read \(path)") }
            inputs.append(Replay.Input(stream: folded, path: path, records: reader.next))
        }
        let engine = try Engine(topology: topology)
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        var sink = try JSONLinesSink(directory: outputDir, streams: engine.outputs.map(\.streamName))
        let tty = isatty(2) != 0
        let started = Date()
        do {
            try Replay.run(engine, inputs: inputs, progress: { records, bytes in
                engine.drainOutputs(into: &sink)
                if tty { FileHandle.standardError.write(Data("\r\(ProgressBar.render(done: bytes, total: totalBytes)) \(records) records".utf8)) }
            })
        } catch {
            fail(error.description)
        }
        engine.drainOutputs(into: &sink)
        sink.close()
        if tty { FileHandle.standardError.write(Data("\r\(ProgressBar.render(done: totalBytes, total: totalBytes)) \(engine.statistics.recordsIn) records\n".utf8)) }
        let seconds = max(Date().timeIntervalSince(started), 1e-6)
        let s = engine.statistics
        print("rows in: \(s.recordsIn), rows out: \(s.rowsOut), errors: \(s.errors), late: \(s.lateRows), rate: \(Int(Double(s.recordsIn) / seconds)) rows/s")
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

enum ProgressBar {
    static func render(done: Int, total: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * 30)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] \(Int(fraction * 100))%"
    }
}

/// Writes each stream's rows to `DIR/<STREAM>.jsonl` as they are drained: the row's JSON with
/// `ROWTIME` as its first member.
final class JSONLinesSink: OutputSink {
    var handles: [String: FileHandle] = [:]
    var pending: [String: Data] = [:]

    init(directory: String, streams: [String]) throws {
        for stream in streams {
            let path = (directory as NSString).appendingPathComponent("\(stream).jsonl")
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handles[stream] = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            pending[stream] = Data()
        }
    }

    func emit(stream: String, topic: String?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, rowtime: Int64) {
        var data = pending[stream] ?? Data()
        data.append(contentsOf: Array("{\"ROWTIME\":\"\(EngineFormatting.iso(rowtime))\"".utf8))
        if value.count > 2 { data.append(UInt8(ascii: ",")) }
        data.append(contentsOf: value.dropFirst())
        data.append(UInt8(ascii: "\n"))
        if data.count > 1 << 20 {
            handles[stream]?.write(data)
            data.removeAll(keepingCapacity: true)
        }
        pending[stream] = data
    }

    func close() {
        for (stream, data) in pending where !data.isEmpty { handles[stream]?.write(data) }
        pending.removeAll()
        for handle in handles.values { try? handle.close() }
    }
}
