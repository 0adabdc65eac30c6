import ArgumentParser
import EddyKafka

/// `eddy topics`: lists topics with their partitions, or creates topics through the Admin API.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List topics with partitions, or create them (--create) on a real cluster."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .customLong("create"), help: ArgumentHelp("Create a topic (repeatable).", valueName: "name:partitions"))
    var creations: [String] = []

    func run() async throws {
        do {
            let admin = try KafkaAdmin(configuration: kafka.configuration())
            try await admin.checkReachable(timeout: reachabilityTimeout)
            if creations.isEmpty {
                for topic in try await admin.listTopics() {
                    let leaders = topic.partitions.map { "\($0.id):\($0.leader)" }.joined(separator: " ")
                    let problem = topic.error.map { "  (\($0))" } ?? ""
                    Terminal.writeOut("\(topic.name)\t\(topic.partitions.count) partitions\tleaders \(leaders)\(problem)\n")
                }
                return
            }
            let wanted = try creations.map { (text) throws(KafkaError) -> NewTopic in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let count = Int(parts[1]), count > 0 else {
                    throw KafkaError(kind: .admin, message: "--create expects NAME:PARTITIONS with a positive count, got '\(text)'")
                }
                return NewTopic(name: String(parts[0]), partitions: count)
            }
            try await admin.createTopics(wanted)
            for topic in wanted { Terminal.writeOut("created \(topic.name) with \(topic.partitions) partitions\n") }
        } catch let error where error.kind == .unsupported {
            throw Terminal.fail("\(error.message). If this is eddy's embedded cluster, declare topics when starting it: eddy broker --topic NAME:PARTITIONS")
        } catch {
            throw Terminal.fail(error.description)
        }
    }
}
