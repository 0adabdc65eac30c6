import Foundation
import Testing

/// Runs `eddy` under a pseudo-terminal (util-linux `script`, part of every Debian system), so the
/// commands see a TTY as they would in a user's shell.
func runEddyOnTTY(_ arguments: [String], timeout: Double = 30) async throws -> EddyResult {
    let command = ([eddyBinary.path] + arguments).map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }.joined(separator: " ")
    return try await runProcess("/usr/bin/script", ["-qefc", command, "/dev/null"], timeout: timeout)
}

@Suite("TTY output")
struct TerminalOutputTests {
    @Test("produce draws a progress bar with rate on a TTY and still ends with the summary")
    func progressBar() async throws {
        let broker = try await BrokerProcess.start(["--topic", "tty:2"])
        let result = try await runEddyOnTTY(["produce", "--brokers", broker.bootstrap, "--topic", "tty", "--generate", "reviews",
                                             "--count", "600", "--rate", "1500"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("%"))
        #expect(result.stdout.contains("sent  "))
        #expect(result.stdout.contains("/s"))
        #expect(result.stdout.contains("sent 600, failed 0, malformed 0 in "))
    }

    @Test("tail on a TTY shows alerts as one summary line and other records pretty-printed")
    func readableTail() async throws {
        let broker = try await BrokerProcess.start(["--topic", "alerts:1"])
        let file = try temporaryFile(named: "alerts.jsonl", contents: """
        {"kind":"rating_drop","summary":"Books fell to 1.4 stars","event_time":1440979200000}
        {"window_start":1440979200000,"category":"Books","count":3}

        """)
        let produced = try await runEddy(["produce", "--brokers", broker.bootstrap, "--topic", "alerts", "--file", file.path])
        #expect(produced.status == 0, "\(produced.stderr)")
        let tailed = try await runEddyOnTTY(["tail", "--brokers", broker.bootstrap, "--topic", "alerts", "--from-beginning", "--count", "2", "--timeout", "10"])
        #expect(tailed.status == 0, "\(tailed.stdout)")
        let lines = tailed.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
        #expect(lines.first == "2015-08-31T00:00:00.000Z  RATING_DROP  Books fell to 1.4 stars")
        #expect(lines.contains("alerts[0]@1"))
        #expect(lines.contains("  \"category\" : \"Books\","))
    }
}
