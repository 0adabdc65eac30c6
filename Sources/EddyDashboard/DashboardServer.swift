import EddyMetrics
import Hummingbird

/// The dashboard's HTTP server (Hummingbird 2): `/` the page, `/events` live server-sent events,
/// `/metrics` Prometheus text, `/health` and `/api/streams` JSON.
///
/// `run` serves until its task is cancelled, so it fits a swift-service-lifecycle `ServiceGroup`
/// (its signature is `Service.run()`'s) or a plain task group:
///
/// ```swift
/// let hub = DashboardHub(metrics: metrics)
/// let server = DashboardServer(hub: hub, configuration: try DashboardConfiguration(address: "127.0.0.1:8080"))
/// let task = Task { try await server.run { address in print("dashboard: \(address.url)") } }
/// ...
/// task.cancel()
/// ```
public struct DashboardServer: Sendable {
    public let hub: DashboardHub
    public let configuration: DashboardConfiguration

    public init(hub: DashboardHub, configuration: DashboardConfiguration = DashboardConfiguration()) {
        self.hub = hub
        self.configuration = configuration
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await run(onListening: { _ in })
    }

    /// Serves until cancelled; `onListening` receives the bound address (useful with port 0).
    public func run(onListening: @escaping @Sendable (DashboardAddress) async -> Void) async throws {
        let host = configuration.host
        let token = configuration.token
        let configuredPort = configuration.port
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "eddy-dashboard"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuredPort
                await onListening(DashboardAddress(host: host, port: port, token: token))
            }
        )
        let hub = self.hub
        let interval = configuration.healthInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            group.addTask {
                // Sleep first: a sample needs a previous one an interval ago to give a rate.
                // `/health` samples on demand before the first tick.
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    hub.sampleHealth()
                }
            }
            defer { hub.disconnectAll() }
            try await group.next()
            group.cancelAll()
        }
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        if let token = configuration.token {
            router.add(middleware: BearerTokenMiddleware(token: token))
        }
        let hub = self.hub
        router.get("/") { _, _ in
            Self.response(DashboardPage.html, contentType: "text/html; charset=utf-8")
        }
        router.get("/metrics") { _, _ in
            Self.response(hub.metrics.registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/health") { _, _ in
            Self.response(hub.healthJSON(), contentType: "application/json")
        }
        router.get("/api/streams") { _, _ in
            Self.response(hub.snapshotJSON(), contentType: "application/json")
        }
        router.get("/events") { _, _ in
            let events = hub.subscribe()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                    for await event in events {
                        try await writer.write(ByteBuffer(string: event))
                    }
                    try await writer.finish(nil)
                })
        }
        return router
    }

    private static func response(_ text: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The address the server actually bound, with the URL to print for people.
public struct DashboardAddress: Sendable, Hashable {
    public let host: String
    public let port: Int
    let token: String?

    /// `http://HOST:PORT/`, plus `?token=` when a token is configured, so the printed link just works.
    public var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var url = "http://\(shownHost):\(port)/"
        if let token { url += "?token=\(token)" }
        return url
    }
}
