@testable import EddyRuntime
import Synchronization
import Testing

@Suite("Incident log")
struct IncidentLogTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        func append(_ line: String) { all.withLock { $0.append(line) } }
        var snapshot: [String] { all.withLock { $0 } }
    }

    @Test("A repeated problem is logged once until the pipeline recovers; nothing before start-up succeeded")
    func once() {
        let lines = Lines()
        let log = IncidentLog(write: { lines.append($0) })
        log.report(kind: "_TRANSPORT", "before start")
        #expect(lines.snapshot.isEmpty)
        log.open()
        for _ in 0..<500 { log.report(kind: "_TRANSPORT", "broker down") }
        log.report(kind: "_ALL_BROKERS_DOWN", "all brokers down")
        #expect(lines.snapshot == ["warning: broker down", "warning: all brokers down"])
        log.recovered()
        log.recovered()
        log.report(kind: "_TRANSPORT", "broker down again")
        #expect(lines.snapshot == ["warning: broker down", "warning: all brokers down",
                                   "info: Kafka is reachable again; the pipeline resumed", "warning: broker down again"])
    }
}
