import EddyKafka
import Synchronization
import Testing

/// A fresh embedded cluster per test, with uniquely named topics so tests never share state.
struct TestCluster {
    let cluster: EmbeddedCluster
    var bootstrap: String { cluster.bootstrapServers }

    init(brokers: Int = 1, topics: [EmbeddedCluster.Topic]) throws {
        cluster = try EmbeddedCluster(brokers: brokers, topics: topics)
    }

    /// Client settings that keep the mock cluster fast and spread records over partitions.
    func configuration(_ extra: [(String, String)] = []) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrap, properties: [
            ("sticky.partitioning.linger.ms", "0"),
            ("linger.ms", "1"),
        ] + extra)
    }

    func consumerConfiguration(_ extra: [(String, String)] = []) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrap, properties: [
            ("fetch.wait.max.ms", "10"),
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "100"),
        ] + extra)
    }
}

/// A thread-safe list of observed events, for callbacks that run on librdkafka's threads.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Polls `consumer` on a GCD thread until `count` records have arrived or `timeout` passes.
func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(20)) async throws -> [KafkaRecord] {
    var records: [KafkaRecord] = []
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while records.count < count && clock.now < deadline {
        records += try await consumer.pollRecords(timeout: .milliseconds(100))
    }
    return records
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A unique topic or group name per test run.
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }
