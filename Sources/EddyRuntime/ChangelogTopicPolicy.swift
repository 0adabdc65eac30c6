import Foundation

/// What a changelog topic must be for Eddy's snapshots to survive, and the configs Eddy creates
/// one with.
///
/// - `cleanup.policy=compact`: every snapshot chunk has a key of its own, and each superseded
///   snapshot is tombstoned once a newer one is committed, so compaction keeps about one or two
///   snapshots per task. With `delete`, retention would remove the snapshot of a task that has been
///   idle for `retention.ms` (idle tasks write none), a silent cold start, while superseded ones pile
///   up until then. That is why a non-compacted topic is refused, not merely warned about.
/// - `max.message.bytes` at least the chunk size (`--changelog-message-bytes`), else every write fails.
/// - `min.compaction.lag.ms=0`: keys are never reused for another value, so compaction can only
///   remove what a tombstone retired; no lag protects anything. (Tombstones themselves stay for the
///   broker's `delete.retention.ms`, one day by default, which is what a slow reader needs.)
/// - `segment.ms=600000` (10 minutes): the active segment is never compacted, and with the broker's
///   default (7 days or 1 GiB) a small, slowly changing state would leave days of superseded
///   snapshots for every restore to read. Ten minutes bounds that to ten minutes of checkpoints, for
///   a few small segment files per hour.
/// - one partition: the store reads and writes partition 0 only.
struct ChangelogTopicPolicy: Sendable {
    let topic: String
    let chunkBytes: Int

    static let segmentMillis = 600_000

    var creationConfigs: [String: String] {
        [
            "cleanup.policy": "compact",
            "max.message.bytes": String(chunkBytes),
            "min.compaction.lag.ms": "0",
            "segment.ms": String(Self.segmentMillis),
        ]
    }

    /// Why the existing topic's `configs` (as DescribeConfigs returns them, defaults included)
    /// cannot hold the snapshots; empty when they can.
    func problems(in configs: [String: String]) -> [String] {
        var problems: [String] = []
        let policy = configs["cleanup.policy"] ?? "delete"
        let policies = Set(policy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let fix = "kafka-configs --bootstrap-server <brokers> --alter --entity-type topics --entity-name \(topic) --add-config"
        if !policies.contains("compact") {
            problems.append("changelog topic \(topic) has cleanup.policy=\(policy): retention would delete the snapshot of a task idle for retention.ms (a silent cold start) and keep superseded ones until then; make it compacted: \(fix) cleanup.policy=compact")
        } else if policies.contains("delete") {
            let retention = configs["retention.ms"] ?? "604800000"
            let bytes = configs["retention.bytes"] ?? "-1"
            if retention != "-1" || bytes != "-1" {
                problems.append("changelog topic \(topic) has cleanup.policy=\(policy) with retention.ms=\(retention), retention.bytes=\(bytes): retention would delete the snapshot of an idle task; use cleanup.policy=compact (\(fix) cleanup.policy=compact) or set retention.ms=-1 and retention.bytes=-1")
            }
        }
        if let text = configs["max.message.bytes"], let limit = Int(text), limit < chunkBytes {
            problems.append("changelog topic \(topic) has max.message.bytes=\(limit), below the chunk size \(chunkBytes) (--changelog-message-bytes): raise it (\(fix) max.message.bytes=\(chunkBytes)) or pass --changelog-message-bytes \(limit)")
        }
        return problems
    }
}
