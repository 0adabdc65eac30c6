/// Where the dashboard listens and whether it asks for a token.
public struct DashboardConfiguration: Sendable, Hashable {
    /// Loopback by default: the dashboard shows pipeline data, so exposing it is an explicit choice.
    public var host: String
    /// 0 picks a free port (reported through `run(onListening:)`).
    public var port: Int
    /// When set, every request must carry `Authorization: Bearer <token>` or `?token=<token>`
    /// (the page forwards its own `?token=` to `/events` and `/api/streams`); others get 401.
    public var token: String?
    /// How often pipeline health is sampled and pushed to pages.
    public var healthInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, healthInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.token = token
        self.healthInterval = healthInterval
    }

    /// Parses `HOST:PORT`, `:PORT`, `PORT` or `[IPv6]:PORT` as given to `--dashboard`.
    public init(address: String, token: String? = nil) throws(DashboardError) {
        var host = "127.0.0.1"
        var portText = Substring(address)
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw .invalidAddress(address, "missing ']'") }
            host = String(address[address.index(after: address.startIndex)..<close])
            let rest = address[address.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalidAddress(address, "missing ':PORT' after ']'") }
            portText = rest.dropFirst()
        } else if let colon = address.lastIndex(of: ":") {
            let hostPart = address[..<colon]
            guard !hostPart.contains(":") else { throw .invalidAddress(address, "write IPv6 hosts as [HOST]:PORT") }
            if !hostPart.isEmpty { host = String(hostPart) }
            portText = address[address.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw .invalidAddress(address, "port must be a number from 0 to 65535")
        }
        self.init(host: host, port: port, token: token)
    }

    /// True when the host is a loopback address, where running without a token is reasonable.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
