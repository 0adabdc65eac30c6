@testable import EddyDashboard
import EddyMetrics
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Dashboard endpoints")
struct DashboardRouterTests {
    func makeServer(token: String? = nil) throws -> DashboardServer {
        let hub = DashboardHub(metrics: try PipelineMetrics())
        return DashboardServer(hub: hub, configuration: DashboardConfiguration(port: 0, token: token))
    }

    @Test func servesPageMetricsHealthAndStreams() async throws {
        let server = try makeServer()
        server.hub.metrics.recordsIn(stream: "R", partition: 0).increment()
        let app = Application(router: server.makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                #expect(page.contains("<canvas") || page.contains("LineChart"))
                // Self-contained: no external scripts, styles or fonts.
                #expect(!page.contains("http://") && !page.contains("https://"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("eddy_records_in_total{stream=\"R\",partition=\"0\"} 1"))
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(String(buffer: response.body).hasPrefix("{\"status\":\"ok\""))
            }
            try await client.execute(uri: "/api/streams", method: .get) { response in
                #expect(String(buffer: response.body).hasPrefix("{\"seq\":"))
            }
        }
    }

    @Test func requestsWithoutTheTokenGet401() async throws {
        let server = try makeServer(token: "s3cret")
        let app = Application(router: server.makeRouter())
        try await app.test(.router) { client in
            for path in ["/", "/metrics", "/health", "/api/streams", "/events"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(path)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"eddy\"")
                }
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics?token=s3cre", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health?token=s3cret", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
