import EddyKafka
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("eddy demo")
struct DemoCommandTests {
    @Test("Demo smoke test: prints its endpoints, the dashboard lists the streams, output topics receive rows, Ctrl-C stops it")
    func demoSmoke() async throws {
        let demo = try BackgroundEddy(["demo", "--dashboard", "127.0.0.1:0", "--rate", "400", "--duration", "60"])
        let bootstrapLine = try #require(try await demo.line(startingWith: "bootstrap.servers="), "\(demo.stderr)")
        let bootstrap = String(bootstrapLine.dropFirst("bootstrap.servers=".count))
        let dashboardLine = try #require(try await demo.line(startingWith: "dashboard: http://127.0.0.1:"), "\(demo.stderr)")
        let url = try #require(URL(string: String(dashboardLine.dropFirst("dashboard: ".count))))
        #expect(try await demo.line(startingWith: "  eddy tail --brokers \(bootstrap) --topic ") != nil)
        let topics = demo.lines.filter { $0.hasPrefix("  ") && $0.contains("\t(") }.map { String($0.dropFirst(2).split(separator: "\t")[0]) }
        #expect(topics.contains("metrics.avg_star_rating"), "\(demo.lines)")

        let (body, response) = try await URLSession.shared.data(from: url.appendingPathComponent("api/streams"))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("\"AVG_STAR_RATING_SQL_STREAM\""))

        // The first 10-second window closes once event time passes its end plus the 5 s lateness.
        let rows = try await readAll(topic: "metrics.avg_star_rating", bootstrap: bootstrap, count: 1, timeout: 40)
        #expect(!rows.isEmpty, "\(demo.stderr)")
        // The same window rows reached the dashboard (published before they were produced).
        let (after, _) = try await URLSession.shared.data(from: url.appendingPathComponent("api/streams"))
        let snapshot = try JSONSerialization.jsonObject(with: after) as? [String: Any]
        let streams = snapshot?["streams"] as? [[String: Any]] ?? []
        let average = streams.first { $0["name"] as? String == "AVG_STAR_RATING_SQL_STREAM" }
        #expect((average?["rows"] as? [Any])?.isEmpty == false, "\(String(decoding: after, as: UTF8.self).prefix(400))")
        #expect(await demo.stop(signal: SIGINT) == 0, "\(demo.stderr)")
        #expect(demo.stderr.contains("rows in: "))
    }
}
