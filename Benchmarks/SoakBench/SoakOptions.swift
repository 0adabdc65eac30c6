import Foundation

/// Command-line options of the soak benchmark: `SoakBench [--duration S] [--rate R] [--kill-every S]
/// [--checkpoint-interval S] [--sample-every S] [--backlog N] [--topology PATH] [--eddy PATH]`.
struct SoakOptions {
    /// Seconds of the steady-rate soak.
    var duration = 600.0
    /// Records per second the producer sends (and the event-time rate).
    var rate = 2000.0
    /// Seconds between SIGKILLs of `eddy run` (each followed by a restart).
    var killEvery = 120.0
    /// `--checkpoint-interval` of the soaked run, in seconds (Eddy's default is 10 s).
    var checkpointInterval = 10.0
    /// Seconds between RSS and /metrics samples.
    var sampleEvery = 5.0
    /// Records pre-produced for the checkpoints on/off throughput comparison.
    var backlog = 40_000
    var topology = "topologies/reviews.sql"
    /// The `eddy` binary (default: next to this benchmark, i.e. the release build).
    var eddy: String?

    static func parse(_ arguments: [String]) -> SoakOptions {
        var options = SoakOptions()
        var index = 0
        func value(_ name: String) -> String {
            index += 1
            guard index < arguments.count else { fail("\(name) needs a value") }
            return arguments[index]
        }
        func number(_ name: String) -> Double {
            let text = value(name)
            guard let number = Double(text), number > 0 else { fail("\(name) must be a positive number, got '\(text)'") }
            return number
        }
        while index < arguments.count {
            let name = arguments[index]
            switch name {
            case "--duration": options.duration = number(name)
            case "--rate": options.rate = number(name)
            case "--kill-every": options.killEvery = number(name)
            case "--checkpoint-interval": options.checkpointInterval = number(name)
            case "--sample-every": options.sampleEvery = number(name)
            case "--backlog": options.backlog = Int(number(name))
            case "--topology": options.topology = value(name)
            case "--eddy": options.eddy = value(name)
            case "-h", "--help":
                print("usage: SoakBench [--duration 600] [--rate 2000] [--kill-every 120] [--checkpoint-interval 10] [--sample-every 5] [--backlog 40000] [--topology topologies/reviews.sql] [--eddy PATH]")
                exit(0)
            default: fail("unknown argument '\(name)' (see --help)")
            }
            index += 1
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}
