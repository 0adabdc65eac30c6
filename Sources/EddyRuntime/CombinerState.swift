import EddyEngine
import EddySketches

/// The latest progress marker of one task, as the combiner holds it.
struct TaskProgressReport: Equatable {
    /// The highest watermark the task reported (a restarted task's lower one is a replay).
    var watermark: Int64
    /// Whether its latest marker said it is idle.
    var idle: Bool
}

/// What a combiner checkpoint holds besides the combiner engine's snapshot: every task's latest
/// progress and the partials buffered for windows that have not fired. Versioned binary
/// (`ByteWriter`'s little-endian encoding), magic `EDCS`.
struct CombinerState: Equatable {
    static let version: UInt8 = 1
    var reports: [TaskProgressReport?]
    var pending: [(task: Int, partial: ClosedPartialWindow)]

    static func == (lhs: CombinerState, rhs: CombinerState) -> Bool {
        lhs.reports == rhs.reports && lhs.pending.count == rhs.pending.count
            && zip(lhs.pending, rhs.pending).allSatisfy { $0.task == $1.task && $0.partial == $1.partial }
    }

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(magic: "EDCS")
        writer.write(Self.version)
        writer.write(reports.count)
        for report in reports {
            writer.write(report != nil)
            if let report {
                writer.write(report.watermark)
                writer.write(report.idle)
            }
        }
        writer.write(pending.count)
        for (task, partial) in pending {
            writer.write(UInt32(task))
            writer.write(bytes: Array(partial.pump.utf8))
            writer.write(partial.windowStart)
            writer.write(bytes: partial.state)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(PartialMessageError) -> CombinerState {
        var reader = ByteReader(bytes)
        do {
            try reader.expect(magic: "EDCS")
            let version = try reader.readUInt8("version")
            guard version == Self.version else { throw PartialMessageError("combiner state version \(version); this eddy reads version \(Self.version)") }
            var reports: [TaskProgressReport?] = []
            for _ in 0..<(try reader.readCount("tasks", max: 1 << 20)) {
                if try reader.readBool("report present") {
                    let watermark = Int64(bitPattern: try reader.readUInt64("watermark"))
                    reports.append(TaskProgressReport(watermark: watermark, idle: try reader.readBool("idle")))
                } else {
                    reports.append(nil)
                }
            }
            var pending: [(task: Int, partial: ClosedPartialWindow)] = []
            for _ in 0..<(try reader.readCount("pending partials", max: 1 << 24)) {
                let task = Int(try reader.readUInt32("task"))
                guard let pump = String(validating: try reader.readBytes("pump", max: 4096), as: UTF8.self) else {
                    throw PartialMessageError("combiner state: pump name is not UTF-8")
                }
                let start = Int64(bitPattern: try reader.readUInt64("window start"))
                let state = try reader.readBytes("state", max: PartialMessage.maximumStateBytes)
                pending.append((task, ClosedPartialWindow(pump: pump, windowStart: start, state: state)))
            }
            try reader.expectEnd()
            return CombinerState(reports: reports, pending: pending)
        } catch let error as PartialMessageError {
            throw error
        } catch let error as SketchDecodingError {
            throw PartialMessageError("combiner state is corrupt: \(error.reason)")
        } catch {
            throw PartialMessageError("combiner state is corrupt: \(error)")
        }
    }
}
