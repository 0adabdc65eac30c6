import EddyDashboard
import EddyMetrics
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

/// End-to-end checks against a real `DashboardServer` on an ephemeral loopback port: the scrape
/// Prometheus would take, and the page as a browser renders it. Serialized: Chromium is heavy.
@Suite("Live dashboard server", .serialized)
struct LiveServerTests {
    static let historyWindows = 60
    static let liveEvents = 20
    static let maxLiveWindows = 40

    @Test func promtoolAcceptsARealScrape() async throws {
        let promtool = try #require(Command.locate("promtool"), "promtool missing: run scripts/setup (Debian package prometheus)")
        let clock = ManualClock(1_800_000_000)
        let metrics = try PipelineMetrics()
        let hub = DashboardHub(metrics: metrics, clock: clock.dashboardClock)
        var feed = try DemoFeed(hub: hub, metrics: metrics, clock: clock)
        for _ in 0..<5 { try feed.publishWindow() }
        let latency = try metrics.registry.histogram(
            "eddy_alert_latency_seconds", help: "Produce-to-alert latency.", buckets: [0.01, 0.1, 1, 10])
        try latency.labels().observe(0.05)
        metrics.lastCheckpoint.set(clock.now)

        let server = DashboardServer(hub: hub, configuration: DashboardConfiguration(port: 0))
        let scrape = try await withRunningServer(server) { address in
            try await TestClient.withClient(host: "127.0.0.1", port: address.port) { client in
                let response = try await client.get("/metrics")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                return response.body.map { String(buffer: $0) } ?? ""
            }
        }
        #expect(scrape.contains("eddy_records_in_total{stream=\"REVIEWS\",partition=\"2\"} "))
        #expect(scrape.contains("eddy_consumer_lag{stream=\"REVIEWS\",partition=\"1\"} "))
        #expect(scrape.contains("eddy_alert_latency_seconds_bucket{le=\"+Inf\"} 1"))
        let result = try await Command.run(promtool, ["check", "metrics"], stdin: scrape, timeout: .seconds(30))
        #expect(result.status == 0, "promtool: \(result.stdout) \(result.stderr) scrape: \(scrape)")
        #expect(result.stdout.isEmpty && !result.stderr.contains("problem"), "\(result.stdout)\(result.stderr)")
    }

    @Test func cancellingTheServerEndsOpenEventStreams() async throws {
        let hub = DashboardHub(metrics: try PipelineMetrics())
        let server = DashboardServer(hub: hub, configuration: DashboardConfiguration(port: 0))
        let (addresses, continuation) = AsyncStream<DashboardAddress>.makeStream()
        let serverTask = Task { try await server.run { continuation.yield($0) } }
        var iterator = addresses.makeAsyncIterator()
        let address = try #require(await iterator.next())
        let clientTask = Task {
            try await TestClient.withClient(host: "127.0.0.1", port: address.port) { client in
                try await client.get("/events")
            }
        }
        // A page is connected once the hub has a subscriber.
        let connectDeadline = ContinuousClock.now + .seconds(10)
        while hub.subscriberCount == 0, ContinuousClock.now < connectDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(hub.subscriberCount == 1)
        try hub.publishAlert(json: #"{"kind":"test","summary":"before shutdown"}"#)

        let stopStarted = ContinuousClock.now
        serverTask.cancel()
        _ = try? await serverTask.value
        let stopTook = ContinuousClock.now - stopStarted
        // Ctrl-C on `eddy demo` with a browser open must not hang on the open event stream.
        #expect(stopTook < .seconds(5), "server took \(stopTook) to stop with an open /events stream")
        #expect(hub.subscriberCount == 0)
        clientTask.cancel()
        let response = try? await clientTask.value
        if let body = response?.body {
            #expect(String(buffer: body).contains("before shutdown"))
        }
    }

    @Test func chromiumRendersLiveChartsAndSavesAScreenshot() async throws {
        let chromium = try #require(
            Command.locate("chromium", "chromium-browser", "google-chrome"), "chromium missing: run scripts/setup")
        // History ends a little before now, so the page's "x s ago" reads like a live pipeline.
        let clock = ManualClock((Date().timeIntervalSince1970 - Double(Self.historyWindows + 3) * DemoFeed.windowSeconds).rounded())
        let metrics = try PipelineMetrics()
        let hub = DashboardHub(metrics: metrics, clock: clock.dashboardClock)
        var feed = try DemoFeed(hub: hub, metrics: metrics, clock: clock)
        for _ in 0..<Self.historyWindows { try feed.publishWindow() }
        let historyAlerts = feed.alertCount

        let artifacts = repositoryRoot.appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("dashboard.png")
        let laptopShot = artifacts.appendingPathComponent("dashboard-laptop.png")
        try? FileManager.default.removeItem(at: screenshot)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }

        let server = DashboardServer(hub: hub, configuration: DashboardConfiguration(port: 0, healthInterval: .seconds(3600)))
        let feedBox = Locked(feed)
        let (dom, live) = try await withRunningServer(server) { address in
            let common = [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=\(profile.path)", "--window-size=1400,900", "--force-device-scale-factor=1",
            ]
            // The page stops listening after this many live events, so headless Chromium can finish.
            let url = address.url + "?live-events=\(Self.liveEvents)"
            // Live windows, published while a browser has the page open, until both runs are done.
            let publisher = Task {
                var published = 0
                while !Task.isCancelled, published < Self.maxLiveWindows {
                    do { try await Task.sleep(for: .milliseconds(150)) } catch { break }
                    if hub.subscriberCount > 0 {
                        try feedBox.mutex.withLock { try $0.publishWindow() }
                        published += 1
                    }
                }
                return published
            }
            defer { publisher.cancel() }
            let dump = try await Command.run(
                chromium, common + ["--virtual-time-budget=3000", "--dump-dom", url], timeout: .seconds(60))
            #expect(!dump.timedOut, "chromium --dump-dom timed out: \(dump.stderr.suffix(2000))")
            let shot = try await Command.run(
                chromium, common + ["--virtual-time-budget=3000", "--screenshot=\(screenshot.path)", url],
                timeout: .seconds(60))
            #expect(!shot.timedOut && shot.status == 0, "chromium --screenshot: \(shot.stderr.suffix(2000))")
            // A common laptop viewport, where the layout keeps the sidebar but tightens.
            let laptop = try await Command.run(
                chromium,
                common.map { $0.hasPrefix("--window-size") ? "--window-size=1280,800" : $0 }
                    + ["--virtual-time-budget=3000", "--screenshot=\(laptopShot.path)", url],
                timeout: .seconds(60))
            #expect(!laptop.timedOut && laptop.status == 0, "chromium laptop screenshot: \(laptop.stderr.suffix(2000))")
            publisher.cancel()
            return (dump.stdout, try await publisher.value)
        }
        print("dashboard test: \(live) live windows published; screenshot at \(screenshot.path)")

        let page = try PageAttributes(dom: dom)
        #expect(page.body["data-error"] == nil, "page script error: \(page.body["data-error"] ?? "")")
        #expect(page.body["data-streams"] == "3")
        #expect(Int(page.body["data-alerts"] ?? "") ?? 0 >= historyAlerts)
        #expect(Int(page.body["data-health-samples"] ?? "") ?? 0 >= Self.historyWindows)
        // One chart per numeric column, plus the anomaly chart and the message rate.
        // Keyed streams: one chart per numeric column. Keyless MESSAGE_COUNTS: one chart, a line per column.
        let expectedCharts = [
            "pipeline/rate", "CATEGORY_SENTIMENT/AVG_SENTIMENT", "CATEGORY_SENTIMENT/AVG_RATING",
            "MESSAGE_COUNTS/*", "CATEGORY_ANOMALIES/ANOMALY_SCORE",
        ]
        #expect(Set(page.charts.keys) == Set(expectedCharts))
        let sentiment = try #require(page.charts["CATEGORY_SENTIMENT/AVG_SENTIMENT"])
        #expect(sentiment.series == DemoFeed.categories.count)
        #expect(sentiment.points >= Self.historyWindows * DemoFeed.categories.count)
        let anomaly = try #require(page.charts["CATEGORY_ANOMALIES/ANOMALY_SCORE"])
        #expect(anomaly.points >= Self.historyWindows * DemoFeed.categories.count)
        // RCF alerts mark the anomaly chart; the sentiment-drop alert marks the sentiment chart.
        #expect(anomaly.markers >= historyAlerts - 1)
        #expect(sentiment.markers >= 1)
        // Score and threshold lines per category.
        #expect(anomaly.series == 2 * DemoFeed.categories.count)
        let counts = try #require(page.charts["MESSAGE_COUNTS/*"])
        #expect(counts.series == 3 && counts.points >= 3 * Self.historyWindows)
        let rate = try #require(page.charts["pipeline/rate"])
        #expect(rate.points >= Self.historyWindows - 1)
        // Live: rows published after the page connected reached the charts over /events.
        #expect(live > 0, "no live rows were published: the page never connected to /events")
        #expect(page.body["data-connected"] == "true")
        #expect(Int(page.body["data-live-events"] ?? "") ?? 0 >= Self.liveEvents)
        #expect(counts.points > 3 * Self.historyWindows, "live rows did not reach the page (\(counts.points) points)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
}

extension LiveServerTests {
    /// Behind a token (issue 6: binding beyond loopback), the page forwards its own `?token=` to
    /// `/api/streams` and `/events`, so a person who opens the printed URL sees the same dashboard.
    @Test func pageWorksBehindATokenAndRejectsItsAbsence() async throws {
        let chromium = try #require(Command.locate("chromium", "chromium-browser", "google-chrome"), "chromium missing: run scripts/setup")
        let clock = ManualClock((Date().timeIntervalSince1970 - 120).rounded())
        let metrics = try PipelineMetrics()
        let hub = DashboardHub(metrics: metrics, clock: clock.dashboardClock)
        var feed = try DemoFeed(hub: hub, metrics: metrics, clock: clock)
        for _ in 0..<5 { try feed.publishWindow() }
        let feedBox = Locked(feed)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let server = DashboardServer(
            hub: hub, configuration: DashboardConfiguration(port: 0, token: "t0k-en", healthInterval: .seconds(3600)))
        let (withToken, withoutToken) = try await withRunningServer(server) { address in
            #expect(address.url.hasSuffix("/?token=t0k-en"))
            let publisher = Task {
                for _ in 0..<100 {
                    do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                    if hub.subscriberCount > 0 { try? feedBox.mutex.withLock { try $0.publishWindow() } }
                }
            }
            defer { publisher.cancel() }
            let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)"]
            let allowed = try await Command.run(
                chromium, common + ["--virtual-time-budget=2000", "--dump-dom", address.url + "&live-events=3"],
                timeout: .seconds(60))
            let refused = try await TestClient.withClient(host: "127.0.0.1", port: address.port) { client in
                try await client.get("/api/streams").head.status
            }
            return (allowed.stdout, refused)
        }
        #expect(withoutToken == .unauthorized)
        let page = try PageAttributes(dom: withToken)
        #expect(page.body["data-streams"] == "3")
        #expect(Int(page.body["data-live-events"] ?? "") ?? 0 >= 3)
        #expect((page.charts["CATEGORY_SENTIMENT/AVG_SENTIMENT"]?.points ?? 0) >= 5 * DemoFeed.categories.count)
    }
}

/// The `data-*` attributes the page mirrors into the DOM, read from Chromium's `--dump-dom`.
struct PageAttributes {
    struct Chart {
        var points = 0
        var series = 0
        var markers = 0
    }

    var body: [String: String] = [:]
    var charts: [String: Chart] = [:]

    init(dom: String) throws {
        guard let bodyTag = Self.tags(named: "body", in: dom).first else { throw TestFailure("no <body> in the DOM dump:\n\(dom.prefix(500))") }
        body = bodyTag
        for section in Self.tags(named: "section", in: dom) {
            guard let id = section["data-chart"] else { continue }
            charts[id] = Chart(
                points: Int(section["data-points"] ?? "") ?? -1,
                series: Int(section["data-series"] ?? "") ?? -1,
                markers: Int(section["data-markers"] ?? "") ?? 0)
        }
    }

    /// Attributes of every `<name ...>` start tag (the DOM dump quotes values with `"`).
    static func tags(named name: String, in dom: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var rest = Substring(dom)
        while let start = rest.range(of: "<\(name) ") {
            guard let end = rest[start.upperBound...].firstIndex(of: ">") else { break }
            let inside = rest[start.upperBound..<end]
            var attributes: [String: String] = [:]
            var cursor = inside
            while let equals = cursor.range(of: "=\"") {
                let key = cursor[..<equals.lowerBound].split(separator: " ").last.map(String.init) ?? ""
                let valueStart = equals.upperBound
                guard let close = cursor[valueStart...].firstIndex(of: "\"") else { break }
                attributes[key] = String(cursor[valueStart..<close])
                cursor = cursor[cursor.index(after: close)...]
            }
            result.append(attributes)
            rest = rest[end...]
        }
        return result
    }
}

/// A Mutex in a class, so a test task can share it.
final class Locked<Value: Sendable>: Sendable {
    let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
}
