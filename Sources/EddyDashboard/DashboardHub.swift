public import EddyMetrics
import Synchronization

/// What the pipeline feeds and the dashboard server reads: declared output streams with a bounded
/// history of recent rows, recent alerts, and pipeline-health samples computed from `PipelineMetrics`.
///
/// Thread-safe: publishers on any thread call `publish`, which encodes the row once (no Foundation),
/// appends it to the stream's ring buffer under a short lock and hands the encoded event to every
/// connected page. A page opened later reads the history from `/api/streams`.
public final class DashboardHub: Sendable {
    /// Bounds of the history kept for a freshly opened page.
    public struct Limits: Sendable {
        public var rowsPerStream: Int
        public var alerts: Int
        public var healthSamples: Int
        /// Events queued per connected page before the oldest are dropped (a stalled browser tab
        /// must not grow memory); the page then resynchronises from `/api/streams`.
        public var eventsPerSubscriber: Int

        public init(rowsPerStream: Int = 720, alerts: Int = 200, healthSamples: Int = 600, eventsPerSubscriber: Int = 4096) {
            self.rowsPerStream = rowsPerStream
            self.alerts = alerts
            self.healthSamples = healthSamples
            self.eventsPerSubscriber = eventsPerSubscriber
        }
    }

    struct Stream: Sendable {
        let name: String
        let columns: [DashboardColumn]
        let key: String?
        /// The declaration as JSON, reused in every snapshot.
        let declarationJSON: String
        /// `JSONText.quoted(name)`, computed once so publishing does not re-escape it.
        let quotedName: String
        var rows: RingBuffer<String>
    }

    struct State {
        var streams: [Stream] = []
        var streamIndex: [String: Int] = [:]
        var alerts: RingBuffer<String>
        var health: RingBuffer<String>
        var sequence: UInt64 = 0
        var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
        var nextSubscriber = 0
        var previousHealth: (seconds: Double, snapshot: PipelineSnapshot)?
        var latestHealth: HealthSample?
    }

    public let metrics: PipelineMetrics
    public let limits: Limits
    let clock: DashboardClock
    let startedAt: Double
    let state: Mutex<State>

    public init(metrics: PipelineMetrics, limits: Limits = Limits(), clock: DashboardClock = .system) {
        self.metrics = metrics
        self.limits = limits
        self.clock = clock
        self.startedAt = clock.now()
        self.state = Mutex(State(alerts: RingBuffer(capacity: limits.alerts), health: RingBuffer(capacity: limits.healthSamples)))
    }

    // MARK: Publishing

    /// Declares an output stream. `key` names the text column whose values become one line each
    /// (default: the first text column). Declaring the same stream again with the same columns is a no-op.
    public func declareStream(name: String, columns: [DashboardColumn], key: String? = nil) throws(DashboardError) {
        guard !columns.isEmpty else { throw .noColumns(name) }
        var names = Set<String>()
        for column in columns where !names.insert(column.name).inserted {
            throw .duplicateColumn(column.name, stream: name)
        }
        let keyColumn: String?
        if let key {
            guard columns.contains(DashboardColumn(key, .text)) else { throw .unknownKeyColumn(key, stream: name) }
            keyColumn = key
        } else {
            keyColumn = columns.first { $0.kind == .text }?.name
        }
        var declaration = "{\"name\":"
        JSONText.appendString(name, to: &declaration)
        declaration += ",\"key\":"
        if let keyColumn { JSONText.appendString(keyColumn, to: &declaration) } else { declaration += "null" }
        declaration += ",\"columns\":["
        for (index, column) in columns.enumerated() {
            if index > 0 { declaration += "," }
            declaration += "{\"name\":"
            JSONText.appendString(column.name, to: &declaration)
            declaration += ",\"kind\":\"\(column.kind.rawValue)\"}"
        }
        declaration += "]}"
        let stream = Stream(
            name: name, columns: columns, key: keyColumn, declarationJSON: declaration,
            quotedName: JSONText.quoted(name), rows: RingBuffer(capacity: limits.rowsPerStream))

        let outcome: Result<[AsyncStream<String>.Continuation], DashboardError> = state.withLock { state in
            if let existing = state.streamIndex[name] {
                guard state.streams[existing].columns == columns, state.streams[existing].key == keyColumn else {
                    return .failure(.streamRedeclared(name))
                }
                return .success([])
            }
            state.streamIndex[name] = state.streams.count
            state.streams.append(stream)
            return .success(Array(state.subscribers.values))
        }
        let event = "event: stream\ndata: \(declaration)\n\n"
        for subscriber in try outcome.get() { subscriber.yield(event) }
    }

    /// Publishes one row of `stream`, values in declared column order. The row's time is its first
    /// timestamp column, or now when the stream has none.
    public func publish(stream: String, row: [DashboardValue]) throws(DashboardError) {
        let now = clock.now()
        let lookup: Result<(String, [DashboardColumn]), DashboardError> = state.withLock { state in
            guard let index = state.streamIndex[stream] else { return .failure(.unknownStream(stream)) }
            return .success((state.streams[index].quotedName, state.streams[index].columns))
        }
        let (quotedName, columns) = try lookup.get()
        guard row.count == columns.count else {
            throw .valueCount(stream: stream, expected: columns.count, got: row.count)
        }
        var encodedRow = "["
        JSONText.appendNumber((now * 1000).rounded(), to: &encodedRow)
        for (value, column) in zip(row, columns) {
            guard value.fits(column.kind) else {
                throw .valueKind(stream: stream, column: column.name, expected: column.kind, got: value)
            }
            encodedRow += ","
            JSONText.appendValue(value, to: &encodedRow)
        }
        encodedRow += "]"

        let (sequence, subscribers) = state.withLock { state in
            state.sequence += 1
            if let index = state.streamIndex[stream] { state.streams[index].rows.append(encodedRow) }
            return (state.sequence, Array(state.subscribers.values))
        }
        guard !subscribers.isEmpty else { return }
        let event = "event: row\ndata: {\"seq\":\(sequence),\"stream\":\(quotedName),\"row\":\(encodedRow)}\n\n"
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Publishes an alert: one JSON object, typically with `kind`, `summary`, `score`, `threshold`,
    /// `explanation`, `event_time`. It is kept verbatim and stamped with the time it arrived.
    public func publishAlert(json: String) throws(DashboardError) {
        if let reason = JSONValidator.objectError(json) { throw .invalidAlert(reason) }
        var entry = "{\"t\":"
        JSONText.appendNumber((clock.now() * 1000).rounded(), to: &entry)
        entry += ",\"alert\":"
        entry += json
        entry += "}"
        let (sequence, subscribers) = state.withLock { state in
            state.sequence += 1
            state.alerts.append(entry)
            return (state.sequence, Array(state.subscribers.values))
        }
        let event = "event: alert\ndata: {\"seq\":\(sequence),\"entry\":\(entry)}\n\n"
        for subscriber in subscribers { subscriber.yield(event) }
    }

    // MARK: Health

    /// Reads the pipeline metrics, derives per-second rates from the previous sample, keeps the
    /// sample for the history and pushes it to connected pages. The server calls this every second.
    @discardableResult
    public func sampleHealth() -> HealthSample {
        let now = clock.now()
        let snapshot = metrics.snapshot()
        let (sample, sequence, subscribers) = state.withLock { state in
            var inRate: Double?
            var outRate: Double?
            if let previous = state.previousHealth, now > previous.seconds {
                let elapsed = now - previous.seconds
                inRate = Double(snapshot.recordsIn &- previous.snapshot.recordsIn) / elapsed
                outRate = Double(snapshot.recordsOut &- previous.snapshot.recordsOut) / elapsed
            }
            state.previousHealth = (now, snapshot)
            let sample = HealthSample(
                unixSeconds: now, uptimeSeconds: now - startedAt, recordsInPerSecond: inRate,
                recordsOutPerSecond: outRate, pipeline: snapshot)
            state.latestHealth = sample
            state.health.append(sample.json)
            state.sequence += 1
            return (sample, state.sequence, Array(state.subscribers.values))
        }
        let event = "event: health\ndata: {\"seq\":\(sequence),\"health\":\(sample.json)}\n\n"
        for subscriber in subscribers { subscriber.yield(event) }
        return sample
    }

    /// The latest health sample (taking one if none was taken yet).
    public func currentHealth() -> HealthSample {
        if let latest = state.withLock({ $0.latestHealth }) { return latest }
        return sampleHealth()
    }

    // MARK: Readers (the server)

    /// Connects a page: every later event arrives as one server-sent-event text block.
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(
            bufferingPolicy: .bufferingNewest(limits.eventsPerSubscriber))
        let id = state.withLock { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Number of pages currently connected to `/events`.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every `/events` stream, so the server can shut down without waiting on open pages.
    func disconnectAll() {
        let subscribers = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// `/api/streams`: every stream's declaration and recent rows, recent alerts and health history.
    /// `seq` lets a page drop live events it already has from this snapshot.
    public func snapshotJSON() -> String {
        state.withLock { state in
            var out = "{\"seq\":\(state.sequence),\"streams\":["
            for (index, stream) in state.streams.enumerated() {
                if index > 0 { out += "," }
                out += stream.declarationJSON.dropLast()
                out += ",\"rows\":["
                out += stream.rows.elements.joined(separator: ",")
                out += "]}"
            }
            out += "],\"alerts\":["
            out += state.alerts.elements.joined(separator: ",")
            out += "],\"health\":["
            out += state.health.elements.joined(separator: ",")
            out += "]}"
            return out
        }
    }

    /// `/health`: whether the dashboard is up, and the latest pipeline-health sample.
    public func healthJSON() -> String {
        let sample = currentHealth()
        let (streams, subscribers) = state.withLock { ($0.streams.count, $0.subscribers.count) }
        return "{\"status\":\"ok\",\"streams\":\(streams),\"subscribers\":\(subscribers),\"pipeline\":\(sample.json)}"
    }
}
