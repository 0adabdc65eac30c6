import ArgumentParser
import EddyRuntime
import EddySQL
import Foundation

/// `eddy run`'s fault-tolerance options: checkpoints, task layout and static group membership.
struct CheckpointOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Write task checkpoints (state + input offsets) here and restore them on start and on assignment. Instances sharing it can take over each other's partitions.",
        valueName: "dir"))
    var stateDirectory: String?

    @Option(name: .customLong("changelog-topic"), help: ArgumentHelp(
        "Write task checkpoints to this Kafka topic instead of a directory and restore from it on start and on assignment. Created when missing (compacted, 1 partition); an existing one must be compacted. Exclusive with --state-dir.",
        valueName: "topic"))
    var changelogTopic: String?

    @Option(name: .customLong("changelog-message-bytes"), help: ArgumentHelp(
        "The broker's message.max.bytes for the changelog topic: snapshots are split into chunks under it (at least 1024).",
        valueName: "bytes"))
    var changelogMessageBytes: Int = 1_000_000

    @Option(name: .customLong("checkpoint-interval"), help: ArgumentHelp(
        "How often state is checkpointed (also on revoke and shutdown): 10s, 500ms, 2m. Bounds what a crash repeats.",
        valueName: "duration"))
    var checkpointInterval: String = "10s"

    @Option(name: .customLong("keep-checkpoints"), help: "Checkpoints kept per task (at least 1).")
    var keepCheckpoints: Int = 3

    @Option(name: .long, help: ArgumentHelp(
        "auto | single | partition: one engine for every assigned partition, or one task per partition number (keyed state moves with its partition). auto = partition when the topology is partition-local or its global aggregates can be combined (through <topology>.partials), else single.",
        valueName: "layout"))
    var tasks: String = "auto"

    @Option(name: .customLong("instance-id"), help: ArgumentHelp(
        "Static group membership (group.instance.id): a restarted instance gets its partitions back without waiting out the session timeout. Default with --state-dir: derived from the host and the state directory.",
        valueName: "id"))
    var instanceID: String?

    @Flag(name: .customLong("exactly-once"), help: ArgumentHelp(
        "Kafka transactions (needs --changelog-topic with --instance-id, or --state-dir): each checkpoint commits the outputs since the previous one with the input offsets, and with --changelog-topic the snapshot too; transactional.id derives from the group and instance id. Needs a real Kafka cluster to be exactly-once end to end."))
    var exactlyOnce = false

    var isSet: Bool {
        stateDirectory != nil || changelogTopic != nil || changelogMessageBytes != 1_000_000 || checkpointInterval != "10s" || keepCheckpoints != 3 || tasks != "auto" || instanceID != nil || exactlyOnce
    }

    func validate() throws {
        _ = try interval()
        _ = try layout(for: nil)
        if exactlyOnce && stateDirectory == nil && changelogTopic == nil {
            throw ValidationError("--exactly-once needs --changelog-topic (state commits inside the transaction) or --state-dir: every transaction commits together with a checkpoint")
        }
        if exactlyOnce && stateDirectory == nil && instanceID == nil {
            throw ValidationError("--exactly-once with --changelog-topic needs --instance-id: the transactional.id derives from it, and it must be stable across restarts (so a restarted instance fences its zombie) and unique per instance")
        }
        if let changelogTopic {
            if stateDirectory != nil { throw ValidationError("--changelog-topic replaces --state-dir: pass one of them") }
            if changelogTopic.isEmpty { throw ValidationError("--changelog-topic must name a topic") }
        }
        guard changelogMessageBytes >= 1024 else {
            throw ValidationError("--changelog-message-bytes must be at least 1024, got \(changelogMessageBytes)")
        }
        guard keepCheckpoints >= 1 else { throw ValidationError("--keep-checkpoints must be at least 1, got \(keepCheckpoints)") }
        if let instanceID, instanceID.isEmpty || instanceID.count > 200 {
            throw ValidationError("--instance-id must be 1–200 characters")
        }
    }

    /// `--checkpoint-interval` as a Duration.
    func interval() throws -> Duration {
        guard let duration = Self.parseDuration(checkpointInterval), duration > .zero else {
            throw ValidationError("--checkpoint-interval \(checkpointInterval): expected a positive duration such as 10s, 500ms or 2m")
        }
        return duration
    }

    /// `--tasks` resolved for `topology` with the reason (`auto` needs the topology; nil only
    /// checks the spelling and resolves auto to `.single`).
    func layout(for topology: Topology?) throws -> TaskLayoutChoice {
        switch tasks.lowercased() {
        case "single": return TaskLayoutChoice(layout: .single, reason: "--tasks single")
        case "partition", "per-partition": return TaskLayoutChoice(layout: .perPartition, reason: "--tasks partition")
        case "auto":
            guard let topology else { return TaskLayoutChoice(layout: .single, reason: "auto without a topology") }
            return TaskLayoutChoice.automatic(for: topology)
        default: throw ValidationError("--tasks \(tasks): expected auto, single or partition")
        }
    }

    /// Applies the options to `configuration`; returns the task layout chosen and why.
    @discardableResult
    func apply(to configuration: inout PipelineConfiguration, topology: Topology) throws -> TaskLayoutChoice {
        configuration.stateDirectory = stateDirectory
        configuration.changelogTopic = changelogTopic
        configuration.changelogMessageBytes = changelogMessageBytes
        configuration.checkpointInterval = try interval()
        configuration.keepCheckpoints = keepCheckpoints
        configuration.exactlyOnce = exactlyOnce
        let choice = try layout(for: topology)
        configuration.taskLayout = choice.layout
        configuration.instanceID = try instanceID ?? stateDirectory.map { try InstanceIdentity.derive(stateDirectory: $0) }
        return choice
    }

    /// `10s`, `500ms`, `2m`, `1h`, `1.5s`; a bare number is seconds.
    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
            return .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The default `--instance-id`: `eddy-<host>-<hash of the state directory>-<slot>`.
///
/// Stable across restarts, so a restarted instance rejoins the group as the same static member and
/// gets its partitions back at once. Several instances sharing one state directory on one host
/// each take the lowest free slot, held by an `flock` on `<dir>/.instance-<slot>.lock` for the
/// process's lifetime (the kernel releases it when the process dies, even by SIGKILL), so
/// concurrent instances never share an id, and a restarted one reclaims the slot it had.
enum InstanceIdentity {
    /// Kept open for the life of the process: closing it would release the slot.
    nonisolated(unsafe) private static var heldLock: Int32 = -1

    static func derive(stateDirectory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let resolved = URL(fileURLWithPath: stateDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let hash = String(fnv1a(resolved), radix: 16)
        for slot in 0..<256 {
            let path = (resolved as NSString).appendingPathComponent(".instance-\(slot).lock")
            let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw ValidationError("--state-dir \(stateDirectory): cannot create \(path): \(String(cString: strerror(errno)))") }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                heldLock = descriptor
                return "eddy-\(host)-\(hash)-\(slot)"
            }
            close(descriptor)
        }
        throw ValidationError("--state-dir \(stateDirectory): 256 instances already use it; pass --instance-id")
    }

    private static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }
}
