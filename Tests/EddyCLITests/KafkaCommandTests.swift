import Foundation
import Testing

@Suite("eddy broker / produce / tail / topics")
struct KafkaCommandTests {
    @Test("broker prints bootstrap.servers first and stops on SIGTERM; topics lists declared topics")
    func brokerAndTopics() async throws {
        let broker = try await BrokerProcess.start(["--broker-count", "2", "--topic", "reviews:6", "--topic", "alerts"])
        #expect(broker.firstLine.hasPrefix("bootstrap.servers=127.0.0.1:"))
        #expect(broker.bootstrap.split(separator: ",").count == 2)
        let listed = try await runEddy(["topics", "--brokers", broker.bootstrap])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("reviews\t6 partitions") })
        #expect(lines.contains { $0.hasPrefix("alerts\t4 partitions") })
        #expect(await broker.stop() == 0)
    }

    @Test("topics --create on the embedded cluster says to declare topics with eddy broker --topic")
    func createOnEmbedded() async throws {
        let broker = try await BrokerProcess.start([])
        let result = try await runEddy(["topics", "--brokers", broker.bootstrap, "--create", "new:3"])
        #expect(result.status != 0)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains("eddy broker --topic"))
    }

    @Test("Unreachable brokers: one-line error and non-zero exit within 10 seconds")
    func unreachable() async throws {
        let commands = [
            ["produce", "--brokers", "127.0.0.1:1", "--topic", "t", "--generate", "reviews", "--count", "5"],
            ["tail", "--brokers", "127.0.0.1:1", "--topic", "t"],
            ["topics", "--brokers", "127.0.0.1:1"],
        ]
        async let produce = runEddy(commands[0], timeout: 20)
        async let tail = runEddy(commands[1], timeout: 20)
        async let topics = runEddy(commands[2], timeout: 20)
        for (command, result) in zip(commands, try await [produce, tail, topics]) {
            #expect(result.status != 0, "\(command[0])")
            #expect(result.seconds < 10, "\(command[0]) took \(result.seconds) s")
            #expect(result.stderrLines.count == 1, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: no Kafka broker answered"))
        }
    }

    @Test("An unknown -X property: librdkafka's message and a non-zero exit")
    func unknownProperty() async throws {
        let broker = try await BrokerProcess.start([])
        for command in [["produce", "--topic", "t", "--generate", "reviews", "--count", "1"], ["tail", "--topic", "t"], ["topics"]] {
            let result = try await runEddy(command + ["--brokers", broker.bootstrap, "-X", "no.such.thing=1"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("No such configuration property: \"no.such.thing\""), "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
        }
    }

    @Test("A missing file is a clear error")
    func missingFile() async throws {
        let result = try await runEddy(["produce", "--brokers", "127.0.0.1:1", "--topic", "t", "--file", "/nonexistent/reviews.jsonl"])
        #expect(result.status != 0)
        #expect(result.stderr == "error: cannot open '/nonexistent/reviews.jsonl': No such file or directory\n")
        #expect(result.seconds < 5)
    }

    @Test("Replay with malformed lines: each reported with its line number, the rest sent and counted")
    func malformedReplay() async throws {
        let broker = try await BrokerProcess.start(["--topic", "replay:3"])
        let file = try temporaryFile(named: "mixed.jsonl", contents: """
        {"id":1,"event_time":1000}
        {"id":2,
        {"id":3,"event_time":3000}
        [1,2,3]
        {"id":5,"event_time":5000}
        {"noid":6,"event_time":6000}

        """)
        let produced = try await runEddy(["produce", "--brokers", broker.bootstrap, "--topic", "replay", "--file", file.path, "--key", "id"])
        #expect(produced.status == 0, "\(produced.stderr)")
        let reports = produced.stderrLines
        #expect(reports.count == 3)
        #expect(reports.first?.hasPrefix("line 2: ") == true)
        #expect(reports.dropFirst().first?.hasPrefix("line 4: ") == true)
        #expect(reports.last == "line 6: key field 'id' is missing, null, an object or an array")
        #expect(produced.stdout.hasPrefix("sent 3, failed 0, malformed 3 in "))

        let tailed = try await runEddy(["tail", "--brokers", broker.bootstrap, "--topic", "replay", "--from-beginning", "--count", "3", "--timeout", "10"])
        #expect(tailed.status == 0, "\(tailed.stderr)")
        let lines = Set(tailed.stdout.split(separator: "\n").map(String.init))
        #expect(lines == ["{\"id\":1,\"event_time\":1000}", "{\"id\":3,\"event_time\":3000}", "{\"id\":5,\"event_time\":5000}"])
        // --key id: an independent client (kcat) sees each record keyed by its id.
        let keys = try await runProcess("/usr/bin/env", ["kcat", "-C", "-b", broker.bootstrap, "-t", "replay", "-o", "beginning", "-e", "-q",
                                                         "-X", "fetch.wait.max.ms=10", "-f", "%k=%s\n"])
        #expect(Set(keys.stdout.split(separator: "\n").map(String.init)) == [
            "1={\"id\":1,\"event_time\":1000}", "3={\"id\":3,\"event_time\":3000}", "5={\"id\":5,\"event_time\":5000}",
        ])
    }

    @Test("CSV replay becomes typed JSON with event_time from --event-time-field; tail --group commits")
    func csvReplayAndGroupTail() async throws {
        let broker = try await BrokerProcess.start(["--topic", "csv:2"])
        let file = try temporaryFile(named: "reviews.csv", contents: """
        review_id,star_rating,verified,review_date
        R1,5,true,2015-08-31
        R2,1,false,2015-09-01

        """)
        let produced = try await runEddy(["produce", "--brokers", broker.bootstrap, "--topic", "csv", "--file", file.path, "--event-time-field", "review_date"])
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stdout.hasPrefix("sent 2, failed 0, malformed 0"))

        let first = try await runEddy(["tail", "--brokers", broker.bootstrap, "--topic", "csv", "--group", "readers", "--from-beginning", "--count", "2", "--timeout", "20"])
        #expect(first.status == 0, "\(first.stderr)")
        let records = first.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let r1 = try #require(records.first { $0["review_id"] as? String == "R1" })
        #expect(r1["star_rating"] as? Int == 5)
        #expect(r1["verified"] as? Bool == true)
        #expect((r1["event_time"] as? NSNumber)?.int64Value == 1_440_979_200_000)

        // The group committed both records: a second reader of the group sees nothing more.
        let second = try await runEddy(["tail", "--brokers", broker.bootstrap, "--topic", "csv", "--group", "readers", "--from-beginning", "--timeout", "5"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.isEmpty)
    }

    @Test("Generated reviews: --count sends exactly N records with event_time, summary on stdout")
    func generatedReviews() async throws {
        let broker = try await BrokerProcess.start(["--topic", "reviews:4"])
        let produced = try await runEddy(["produce", "--brokers", broker.bootstrap, "--topic", "reviews", "--generate", "reviews", "--count", "500", "--seed", "7", "--anomalies", "--anomaly-every", "1"])
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stdout.hasPrefix("sent 500, failed 0, malformed 0 in "))
        #expect(produced.stdout.contains("records/s"))
        let tailed = try await runEddy(["tail", "--brokers", broker.bootstrap, "--topic", "reviews", "--from-beginning", "--count", "500", "--timeout", "15"])
        #expect(tailed.status == 0, "\(tailed.stderr)")
        #expect(tailed.stdout.split(separator: "\n").count == 500)
    }

    @Test("tail with --count that the timeout cuts short fails and says how many it got")
    func tailTimeout() async throws {
        let broker = try await BrokerProcess.start(["--topic", "empty:1"])
        let result = try await runEddy(["tail", "--brokers", broker.bootstrap, "--topic", "empty", "--count", "1", "--timeout", "1"])
        #expect(result.status != 0)
        #expect(result.stderr == "error: got 0 of 1 records before the 1.0 s timeout\n")
    }
}
