import ArgumentParser
import EddyKafka

/// Options shared by every command that connects to Kafka: `--brokers` and repeated `-X key=value`.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: "Bootstrap servers, HOST:PORT[,HOST:PORT...] (e.g. what `eddy broker` printed).")
    var brokers: String

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, passed through unchanged (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    /// `defaults` first, then `--brokers`, then `-X` (so the user always wins).
    func configuration(defaults: [(String, String)] = []) throws(KafkaError) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(properties: defaults)
        configuration.set("bootstrap.servers", brokers)
        for assignment in properties {
            let (key, value) = try KafkaConfiguration.parseAssignment(assignment)
            configuration.set(key, value)
        }
        return configuration
    }
}

/// How long commands wait for a first answer from the brokers before giving up with one line.
let reachabilityTimeout: Duration = .seconds(5)
