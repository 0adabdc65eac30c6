import ArgumentParser

/// The `eddy` command. Each subcommand lives in its own file and is registered here.
@main
struct Eddy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eddy",
        abstract: "Run Kinesis-Data-Analytics-style streaming SQL on Kafka.",
        subcommands: [
            BrokerCommand.self, ProduceCommand.self, TailCommand.self, TopicsCommand.self,
            ValidateCommand.self, ExplainCommand.self, RunCommand.self,
            DemoCommand.self,
        ]
    )
}
