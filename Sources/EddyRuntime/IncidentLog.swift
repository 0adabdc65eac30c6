import Synchronization

/// Reports Kafka client problems once per kind, not once per record or retry: while brokers are
/// down librdkafka repeats the same error every few hundred milliseconds. A problem is reported
/// again only after the pipeline has recovered (records flowed or outputs were delivered since).
final class IncidentLog: Sendable {
    private let reported = Mutex<Set<String>>([])
    private let write: @Sendable (String) -> Void
    /// Closed until start-up succeeded: start-up failures are reported as one line by the caller,
    /// not buried under the client's connection errors.
    private let isOpen = Atomic<Bool>(false)

    func open() { isOpen.store(true, ordering: .releasing) }

    init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Logs `message` unless a problem with the same `kind` is already open.
    func report(kind: String, _ message: String) {
        guard isOpen.load(ordering: .acquiring) else { return }
        let isNew = reported.withLock { $0.insert(kind).inserted }
        if isNew { write("warning: \(message)") }
    }

    /// Ends open problems, saying so once if there were any.
    func recovered() {
        let hadProblems = reported.withLock { set -> Bool in
            defer { set.removeAll() }
            return !set.isEmpty
        }
        if hadProblems { write("info: Kafka is reachable again; the pipeline resumed") }
    }

    /// A cheap check for the hot loop (one lock, no allocation).
    var hasOpenProblems: Bool { reported.withLock { !$0.isEmpty } }
}
