import ArgumentParser
import EddyDashboard
import EddyKafka
import EddyRuntime
import EddySQL
import EddyWorkload
import Foundation
import Synchronization

/// `eddy demo`: the whole pipeline on one machine, no arguments needed: the embedded cluster, the
/// synthetic review stream with anomalies injected every minute, `topologies/reviews.sql` on Kafka,
/// and the dashboard. Runs until Ctrl-C.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run everything locally: embedded Kafka, synthetic reviews with anomalies, reviews.sql and the dashboard.",
        discussion: """
        Prints bootstrap.servers=HOST:PORT first, then the dashboard URL, every output topic and the \
        eddy tail command to watch alerts. Anomalies (a category's ratings collapse, a spam burst, a run \
        of malformed records) start 60 s into the stream and repeat every 60 s, rotating. The topology is \
        read from topologies/reviews.sql in the current directory or the package that built this binary \
        (--topology overrides). Everything is in memory and gone when it stops.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Serve the dashboard on HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var dashboard = Self.defaultDashboard
    @Option(name: .customLong("dashboard-token"), help: "Token the dashboard requires (also EDDY_DASHBOARD_TOKEN).")
    var dashboardToken: String?
    @Option(name: .long, help: "The topology to run (default: topologies/reviews.sql).")
    var topology: String?
    @Option(name: .long, help: "Generated reviews per second.")
    var rate: Double = 200
    @Option(name: .long, help: "Seed of the generated stream.")
    var seed: UInt64 = 1
    @Option(name: .long, help: .hidden) var duration: Double?

    func validate() throws {
        if !(rate > 0) || !rate.isFinite { throw ValidationError("--rate must be a positive number") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() async throws {
        MemoryPolicy.returnLargeBuffersToTheSystem()
        guard let path = Self.locateTopology(topology) else {
            throw Terminal.fail("cannot find topologies/reviews.sql; run from the eddy checkout or pass --topology PATH")
        }
        guard case .success(let plan) = TopologyLoader.load(path) else {
            if case .failure(let message) = TopologyLoader.load(path) { Terminal.writeErr(message + "\n") }
            throw ExitCode.failure
        }
        var dashboardConfiguration: DashboardConfiguration
        do { dashboardConfiguration = try DashboardConfiguration.fromOptions(address: dashboard, token: dashboardToken) } catch {
            throw Terminal.fail("\(error)")
        }
        // No arguments needed: when the default port is taken, pick a free one (the URL is printed).
        if dashboard == Self.defaultDashboard, !Self.canBind(host: dashboardConfiguration.host, port: dashboardConfiguration.port) {
            dashboardConfiguration.port = 0
        }
        let outputs = plan.streams.filter { !$0.isSource && ($0.isSystem || $0.binding.isBound) }
            .compactMap { stream in plan.effectiveTopic(stream).map { (stream: stream.name, topic: $0, partitions: stream.binding.partitions ?? 4) } }
        let sources = plan.streams.filter { $0.isSource }.compactMap { stream in stream.binding.topic.map { (topic: $0, partitions: max(8, stream.binding.partitions ?? 8)) } }
        guard let reviews = sources.first else { throw Terminal.fail("\(path) has no source stream bound to a topic") }

        let cluster: EmbeddedCluster
        do {
            var topics: [EmbeddedCluster.Topic] = sources.map { .init(name: $0.topic, partitions: $0.partitions) }
            for output in outputs where !topics.contains(where: { $0.name == output.topic }) {
                topics.append(.init(name: output.topic, partitions: output.partitions))
            }
            cluster = try EmbeddedCluster(brokers: 1, topics: topics)
        } catch {
            throw Terminal.fail(error.description)
        }
        let bootstrap = cluster.bootstrapServers
        Terminal.writeOut("bootstrap.servers=\(bootstrap)\n")

        let generator: ReviewFeed
        do {
            generator = try ReviewFeed(bootstrap: bootstrap, topic: reviews.topic, rate: rate, seed: seed)
        } catch {
            throw Terminal.fail(error.description)
        }
        var configuration = PipelineConfiguration(kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "eddy-demo")
        configuration.startPosition = .earliest
        let runner = KafkaRunner(topology: plan, configuration: configuration, dashboard: dashboardConfiguration, duration: duration)
        let rate = self.rate
        try await runner.run { address in
            var lines = ""
            if let address { lines += "dashboard: \(address.url)\n" }
            lines += "topology: \(path)\n"
            lines += "input: \(reviews.topic) (\(Int(rate)) synthetic reviews/s, anomalies every 60 s)\n"
            lines += "output topics:\n"
            for output in outputs { lines += "  \(output.topic)\t(\(output.stream))\n" }
            let alertTopics = outputs.filter { isAlertStream(name: $0.stream, topic: $0.topic) }.map(\.topic)
            if alertTopics.isEmpty {
                lines += "no alert stream in this topology; watch an output with:\n"
                let watched = outputs.first { !plan.streams[plan.streamIndex($0.stream)!].isSystem } ?? outputs.first
                lines += "  eddy tail --brokers \(bootstrap) --topic \(watched?.topic ?? reviews.topic)\n"
            } else {
                lines += "watch alerts with:\n"
                for topic in alertTopics { lines += "  eddy tail --brokers \(bootstrap) --topic \(topic)\n" }
            }
            Terminal.writeOut(lines)
            Terminal.writeErr("demo running; Ctrl-C to stop\n")
        }
        let sent = await generator.stop()
        Terminal.writeErr("generated \(sent) reviews\n")
        withExtendedLifetime(cluster) {}
    }

    static let defaultDashboard = "127.0.0.1:8080"

    /// Whether a TCP listener could bind `host:port` now (IPv4 hosts; others are assumed free).
    static func canBind(host: String, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return true }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// `--topology`, else topologies/reviews.sql in the current directory, next to the executable's
    /// package (it lives in `<package>/.build/<config>/eddy`), or where this source file was built.
    static func locateTopology(_ explicit: String?) -> String? {
        if let explicit { return explicit }
        let relative = "topologies/reviews.sql"
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative)]
        if var directory = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            for _ in 0..<6 {
                candidates.append(directory.appendingPathComponent(relative))
                directory = directory.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(relative))
        return candidates.first { FileManager.default.isReadableFile(atPath: $0.path) }?.path
    }
}

/// The demo's synthetic input: `ReviewGenerator` with anomalies every 60 s, produced on a thread of
/// its own at event-time pace (a record is sent when the wall clock reaches its event time, so spam
/// bursts come out as bursts).
final class ReviewFeed: Sendable {
    private let producer: KafkaProducer
    private let stopRequested = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    init(bootstrap: String, topic: String, rate: Double, seed: UInt64) throws(KafkaError) {
        producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap, properties: [("linger.ms", "5")]))
        let start = Int64(Date().timeIntervalSince1970 * 1000)
        let thread = Thread { [self] in
            var generator = ReviewGenerator(seed: seed, startEventTimeMillis: start, eventsPerSecond: rate, anomalies: AnomalyPlan(everySeconds: 60))
            var next = generator.next()
            while !stopRequested.load(ordering: .acquiring) {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                while next.eventTimeMillis <= now {
                    let record = next
                    let enqueued = record.value.withUnsafeBytes { value in
                        if let key = record.key {
                            return key.withUnsafeBytes { key in (try? producer.enqueue(topic: topic, key: key, value: value, blockWhenFull: true)) != nil }
                        }
                        return (try? producer.enqueue(topic: topic, key: nil, value: value, blockWhenFull: true)) != nil
                    }
                    if enqueued { sent.wrappingAdd(1, ordering: .relaxed) }
                    next = generator.next()
                }
                usleep(5_000)
            }
            done.signal()
        }
        thread.name = "eddy-demo-feed"
        thread.start()
    }

    /// Stops generating, flushes what was sent, and returns the count.
    func stop() async -> Int {
        stopRequested.store(true, ordering: .releasing)
        let done = self.done
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { done.wait(); continuation.resume() }.start()
        }
        _ = await producer.shutdown(timeout: .seconds(5))
        return sent.load(ordering: .relaxed)
    }
}
