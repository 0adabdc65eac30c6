import BenchmarkSupport

/// PipelineBench's command line.
struct PipelineOptions {
    static let usage = "PipelineBench [--messages N] [--partitions P] [--rounds K] [--latency-rate R] [--latency-seconds S] [--quick | --latency-only | --throughput-only]"

    var messages: Int
    /// The embedded cluster keeps ~5 MiB per partition; 100k reviews (~50 MB) need 32 partitions.
    var partitions: Int
    /// Rounds of kcat, the EddyKafka loop, every pipeline variant and the analytics alone (medians reported).
    var rounds: Int
    var latencyRate: Int
    var latencySeconds: Int
    /// Only the variant without RCF and SENTIMENT against the floors, no latency run: the quick loop for profiling.
    var quick: Bool
    /// Only the latency run.
    var latencyOnly: Bool
    /// Every variant, no latency run.
    var throughputOnly: Bool
    /// Internal: run only variant `childVariant` (passed 1-based: the flags take positive integers)
    /// against the embedded cluster at 127.0.0.1:`childPort` and print its figures.
    var childVariant: Int?
    var childPort: Int

    init(_ arguments: [String]) {
        let flags = CommandLineFlags(arguments, integerFlags: ["--messages", "--partitions", "--rounds", "--latency-rate", "--latency-seconds", "--child-variant", "--child-port"],
                                     switches: ["--quick", "--latency-only", "--throughput-only"], usage: Self.usage)
        messages = flags.integer("--messages", default: 100_000)
        partitions = flags.integer("--partitions", default: 32)
        rounds = flags.integer("--rounds", default: 3)
        latencyRate = flags.integer("--latency-rate", default: 2_000)
        latencySeconds = flags.integer("--latency-seconds", default: 40)
        quick = flags.isSet("--quick")
        latencyOnly = flags.isSet("--latency-only")
        throughputOnly = flags.isSet("--throughput-only")
        let child = flags.integer("--child-variant", default: 0)
        childVariant = child > 0 ? child - 1 : nil
        childPort = flags.integer("--child-port", default: 0)
    }
}
