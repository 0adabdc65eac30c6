import Hummingbird

/// Rejects requests that do not present the configured token, with 401 and a `WWW-Authenticate`
/// header. Accepts `Authorization: Bearer <token>` and, because `EventSource` cannot set headers,
/// a `token` query parameter.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let fromHeader = request.headers[.authorization].flatMap { value -> Substring? in
            guard value.lowercased().hasPrefix("bearer ") else { return nil }
            return value.dropFirst("bearer ".count)
        }
        let fromQuery = request.uri.queryParameters.get("token")
        let presented = fromHeader.map(String.init) ?? fromQuery
        guard let presented, Self.constantTimeEquals(presented, token) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"eddy\""
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .unauthorized, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: "401: this dashboard needs its token (Authorization: Bearer or ?token=)\n")))
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response time does not reveal how much of a guess matched.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
