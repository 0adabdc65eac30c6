@testable import EddyDashboard
import EddyMetrics
import Foundation
import Testing

@Suite("Dashboard hub")
struct DashboardHubTests {
    func makeHub(rows: Int = 720, clock: ManualClock = ManualClock(1_800_000_000)) throws -> DashboardHub {
        DashboardHub(metrics: try PipelineMetrics(), limits: .init(rowsPerStream: rows), clock: clock.dashboardClock)
    }

    /// Parses the hub's hand-written JSON with Foundation, which proves it is valid JSON.
    func parse(_ json: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func snapshotHoldsDeclarationsAndRowsAsValidJSON() throws {
        let clock = ManualClock(1_800_000_000)
        let hub = try makeHub(clock: clock)
        try hub.declareStream(
            name: "SENTIMENT",
            columns: [.init("CATEGORY", .text), .init("WINDOW_START", .timestamp), .init("AVG", .numeric)])
        try hub.publish(stream: "SENTIMENT", row: [.text("books \"<b>\"\n"), .timestamp(millisecondsSinceEpoch: 1_000), .number(0.25)])
        clock.advance(by: 1.5)
        try hub.publish(stream: "SENTIMENT", row: [.text("toys"), .null, .number(.nan)])

        let snapshot = try parse(hub.snapshotJSON())
        #expect(snapshot["seq"] as? Int == 2)
        let streams = try #require(snapshot["streams"] as? [[String: Any]])
        #expect(streams.count == 1)
        #expect(streams[0]["name"] as? String == "SENTIMENT")
        #expect(streams[0]["key"] as? String == "CATEGORY")
        let rows = try #require(streams[0]["rows"] as? [[Any]])
        #expect(rows.count == 2)
        // Each row is [publication time in ms, values...]; NaN becomes null.
        #expect(rows[0][0] as? Double == 1_800_000_000_000)
        #expect(rows[0][1] as? String == "books \"<b>\"\n")
        #expect(rows[0][2] as? Double == 1_000)
        #expect(rows[1][0] as? Double == 1_800_000_001_500)
        #expect(rows[1][3] is NSNull)
    }

    @Test func historyIsBoundedAndKeepsTheNewestRows() throws {
        let hub = try makeHub(rows: 5)
        try hub.declareStream(name: "S", columns: [.init("N", .numeric)])
        for index in 0..<12 { try hub.publish(stream: "S", row: [.integer(Int64(index))]) }
        let streams = try #require(try parse(hub.snapshotJSON())["streams"] as? [[String: Any]])
        let rows = try #require(streams[0]["rows"] as? [[Any]])
        #expect(rows.map { $0[1] as? Int } == [7, 8, 9, 10, 11])
    }

    @Test func badRowsAreErrorsWithReasons() throws {
        let hub = try makeHub()
        try hub.declareStream(name: "S", columns: [.init("K", .text), .init("N", .numeric)])
        #expect(throws: DashboardError.unknownStream("T")) { try hub.publish(stream: "T", row: [.null]) }
        #expect(throws: DashboardError.valueCount(stream: "S", expected: 2, got: 1)) {
            try hub.publish(stream: "S", row: [.text("a")])
        }
        #expect(throws: DashboardError.self) { try hub.publish(stream: "S", row: [.number(1), .number(2)]) }
        #expect(throws: DashboardError.self) { try hub.declareStream(name: "S", columns: [.init("K", .text)]) }
        #expect(throws: DashboardError.self) { try hub.declareStream(name: "E", columns: []) }
        #expect(throws: DashboardError.self) { try hub.declareStream(name: "D", columns: [.init("A", .text), .init("A", .numeric)]) }
        #expect(throws: DashboardError.self) { try hub.declareStream(name: "K", columns: [.init("N", .numeric)], key: "N") }
        // Same declaration again is fine.
        try hub.declareStream(name: "S", columns: [.init("K", .text), .init("N", .numeric)])
    }

    @Test(arguments: ["", "[1]", "{\"a\":}", "{\"a\":1} trailing", "{\"a\":\"unterminated}", "{'a':1}", "{\"a\":01}", "{\"a\":tru}"])
    func malformedAlertsAreRejected(_ text: String) throws {
        let hub = try makeHub()
        #expect(throws: DashboardError.self) { try hub.publishAlert(json: text) }
    }

    @Test func alertsAreKeptVerbatimAndStamped() throws {
        let hub = try makeHub()
        let alert = #"{"kind":"rcf","summary":"books spiked","score":3.5e0,"threshold":2,"explanation":{"RATING":{"DIRECTION":"LOW"}},"nested":[true,false,null,-0.5,"\u00e9"]}"#
        try hub.publishAlert(json: alert)
        let alerts = try #require(try parse(hub.snapshotJSON())["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts[0]["t"] as? Double == 1_800_000_000_000)
        let body = try #require(alerts[0]["alert"] as? [String: Any])
        #expect(body["summary"] as? String == "books spiked")
        #expect(body["score"] as? Double == 3.5)
    }

    @Test func healthRatesComeFromMetricDeltas() throws {
        let clock = ManualClock(1_800_000_000)
        let metrics = try PipelineMetrics()
        let hub = DashboardHub(metrics: metrics, clock: clock.dashboardClock)
        let input = metrics.recordsIn(stream: "R", partition: 0)
        let output = metrics.recordsOut(stream: "O")
        input.increment(by: 100)
        hub.sampleHealth()
        clock.advance(by: 2)
        input.increment(by: 300)
        output.increment(by: 50)
        let sample = hub.sampleHealth()
        #expect(sample.recordsInPerSecond == 150)
        #expect(sample.recordsOutPerSecond == 25)
        let health = try parse(hub.healthJSON())
        #expect(health["status"] as? String == "ok")
        let pipeline = try #require(health["pipeline"] as? [String: Any])
        #expect(pipeline["records_in_total"] as? Int == 400)
        #expect(pipeline["last_commit"] is NSNull)
    }

    @Test func subscribersReceiveEventsInOrder() async throws {
        let hub = try makeHub()
        try hub.declareStream(name: "S", columns: [.init("N", .numeric)])
        let events = hub.subscribe()
        try hub.publish(stream: "S", row: [.integer(1)])
        try hub.publishAlert(json: #"{"kind":"x"}"#)
        hub.disconnectAll()
        var received: [String] = []
        for await event in events { received.append(event) }
        #expect(received.count == 2)
        #expect(received[0].hasPrefix("event: row\ndata: {\"seq\":1,\"stream\":\"S\",\"row\":["))
        #expect(received[1].hasPrefix("event: alert\ndata: {\"seq\":2,"))
        #expect(received.allSatisfy { $0.hasSuffix("\n\n") })
        #expect(hub.subscriberCount == 0)
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), (":9000", "127.0.0.1", 9000), ("0", "127.0.0.1", 0),
        ("0.0.0.0:80", "0.0.0.0", 80), ("[::1]:7000", "::1", 7000), ("localhost:1", "localhost", 1),
    ])
    func dashboardAddressesParse(_ text: String, _ host: String, _ port: Int) throws {
        let configuration = try DashboardConfiguration(address: text)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
    }

    @Test(arguments: ["host:", "host:99999", "::1:80", "[::1]80", "a:b"])
    func badDashboardAddressesAreErrors(_ text: String) {
        #expect(throws: DashboardError.self) { try DashboardConfiguration(address: text) }
    }
}
