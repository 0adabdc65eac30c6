import EddyEngine
import EddyKafka

/// What a task needs to publish its combined pumps' partial windows (`CombinePlan`): the partials
/// topic, the pumps' window sizes and the idle rule.
struct PartialPublishing: Sendable {
    var topic: String
    var topologyName: String
    /// The combined pumps (each task's engine runs them in partial mode).
    var pumps: [String]
    /// Window size of every combined pump, ms: progress is published when it enters a new window of any.
    var windowSizes: [Int64]
    /// After how long without records a task that has seen records counts as idle: the sources'
    /// `idle_timeout` (the largest, when every source has one), nil when a source has none (its
    /// partitions never go idle in the engine either).
    var idleTimeoutMillis: Int64?
    /// After how long a task that has never seen a record counts as idle: the engine's grace for an
    /// announced partition without data (`idle_timeout`, else `Engine.defaultGraceMillis`).
    var emptyGraceMillis: Int64
}

/// A task's side of combining: after each drain, its engine's closed partial windows and then a
/// progress marker go to the partials topic through the pipeline's producer (so a checkpoint waits
/// for their delivery like any output, and an exactly-once transaction holds them). The producer is
/// idempotent (or transactional), and the topic has one partition, so the combiner never sees a
/// window's partial after a marker that passes the window.
///
/// Progress is published when partials were, when the watermark enters a new window of a combined
/// pump, and when the task's idleness changes: the combiner needs nothing in between.
///
/// ## Idle tasks
/// The engine leaves a source partition without records for longer than its `idle_timeout` out of the
/// watermark (and one that never delivered data, after its grace). A task mirrors that rule for the
/// combiner: its marker says `idle`, and the combiner then lets the other tasks' progress carry it
/// (see `CombinerWorker`), so an empty or silent partition does not hold combined windows forever.
/// In a single engine the rows an idle partition already delivered are in the windows its watermark
/// then skips; a task's rows in its still-open windows would be missing from the combined windows the
/// combiner fires past it. So when a task turns idle it first publishes every open window's state as
/// it stands (`Engine.partialWindows(pump:)`), before the idle marker; if the task wakes and closes
/// such a window itself, its final partial replaces that one (the combiner keeps one per task and
/// window). A partial that an idle task publishes later for a window already fired is late, like a
/// record below the watermark (counted by the combiner, not merged).
struct TaskPartialPublisher {
    let settings: PartialPublishing
    let task: Int
    /// Wall clock of the last drain at which the task had processed more records.
    var lastActivityMillis: Int64
    var lastRecords: Int
    var published: (watermark: Int64, idle: Bool)?

    init(settings: PartialPublishing, task: Int, now: Int64, records: Int) {
        self.settings = settings
        self.task = task
        lastActivityMillis = now
        lastRecords = records
    }

    /// Publishes `engine`'s closed partial windows and, when needed, a progress marker.
    mutating func publish(_ engine: Engine, now: Int64, producer: KafkaProducer) throws {
        let records = engine.statistics.recordsIn
        if records != lastRecords {
            lastRecords = records
            lastActivityMillis = now
        }
        let closed = engine.drainClosedPartials()
        for window in closed {
            try send(.partial(task: task, window: window), producer: producer)
        }
        let watermark = engine.partialProgress
        let idle = isIdle(watermark: watermark, now: now)
        if idle, published?.idle != true, watermark != .min {
            for pump in engine.partialModePumps {
                for window in try engine.partialWindows(pump: pump) {
                    try send(.partial(task: task, window: ClosedPartialWindow(pump: pump, windowStart: window.windowStart, state: window.state)), producer: producer)
                }
            }
        }
        if let published, closed.isEmpty, published.idle == idle, !entersNewWindow(from: published.watermark, to: watermark) { return }
        try send(.progress(task: task, watermark: watermark, idle: idle), producer: producer)
        published = (watermark, idle)
    }

    func isIdle(watermark: Int64, now: Int64) -> Bool {
        if watermark == .min { return now &- lastActivityMillis > settings.emptyGraceMillis }
        guard let timeout = settings.idleTimeoutMillis else { return false }
        return now &- lastActivityMillis > timeout
    }

    func entersNewWindow(from old: Int64, to new: Int64) -> Bool {
        guard new > old else { return false }
        if old == .min || new == .max { return true }
        return settings.windowSizes.contains { Self.floorDiv(old, $0) != Self.floorDiv(new, $0) }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private func send(_ message: PartialMessage, producer: KafkaProducer) throws {
        let key = message.key(topology: settings.topologyName)
        let value = message.value()
        try key.withUnsafeBytes { key in
            try value.withUnsafeBytes { value in
                _ = try producer.enqueue(topic: settings.topic, partition: 0, key: key, value: value, blockWhenFull: true)
            }
        }
    }
}
