import ArgumentParser
import EddyKafka

/// `eddy broker`: runs librdkafka's embedded (mock) cluster until SIGINT/SIGTERM.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Start an embedded Kafka cluster for demos and tests (in-memory; see README for its limits).",
        discussion: """
        The first line printed is bootstrap.servers=HOST:PORT[,...]. Topics must be declared here: the \
        embedded cluster has no CreateTopics API, and undeclared topics are auto-created with 4 partitions. \
        Each partition keeps only about 5 MiB, so give busy topics enough partitions.
        """
    )

    @Option(name: .long, help: "Number of brokers.")
    var brokerCount: Int = 1

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to create, NAME[:PARTITIONS] (default 4 partitions; repeatable).", valueName: "name[:partitions]"))
    var topics: [String] = []

    func run() async throws {
        let cluster: EmbeddedCluster
        do {
            let declared = try topics.map { (text) throws(KafkaError) in try EmbeddedCluster.Topic.parse(text) }
            cluster = try EmbeddedCluster(brokers: brokerCount, topics: declared)
        } catch {
            throw Terminal.fail(error.description)
        }
        Terminal.writeOut("bootstrap.servers=\(cluster.bootstrapServers)\n")
        for topic in topics { Terminal.writeErr("topic \(topic)\n") }
        Terminal.writeErr("embedded cluster with \(cluster.brokerCount) broker(s) running; Ctrl-C to stop\n")
        for await _ in StopSignals.stream() { break }
        Terminal.writeErr("embedded cluster stopped\n")
        withExtendedLifetime(cluster) {}
    }
}
