import EddyEngine
import EddySketches

/// A message of the partials topic (`<topology>.partials`): what a task publishes for the combiner
/// of global aggregates (see `CombinerStage`).
///
/// ## Format (version 1)
/// - Key (UTF-8, for people and tools; the combiner reads only the value):
///   `<topology>|<pump>|task-<t>|<window start ms>` for a partial, `<topology>|progress|task-<t>` for
///   a progress marker.
/// - Value (binary, little-endian, `ByteWriter`'s encoding): the magic `EDPM`, a version byte (1), a
///   kind byte (1 = partial, 2 = progress) and the task (u32); then
///   - partial: pump name (length-prefixed UTF-8), window start (i64 ms), state (length-prefixed bytes:
///     the window's group table in the engine's snapshot encoding, `ClosedPartialWindow.state`);
///   - progress: the task's watermark (i64 ms; every window of the combined pumps ending at or before
///     it has been published) and whether the task is idle (u8; see `TaskPartialPublisher`).
enum PartialMessage: Equatable {
    case partial(task: Int, window: ClosedPartialWindow)
    case progress(task: Int, watermark: Int64, idle: Bool)

    static let version: UInt8 = 1
    /// The largest partial state a message may carry (a partial of one window and pump; larger ones
    /// would exceed any broker's `message.max.bytes` anyway).
    static let maximumStateBytes = 256 << 20

    var task: Int {
        switch self {
        case .partial(let task, _), .progress(let task, _, _): task
        }
    }

    /// The message's key (see the format above).
    func key(topology: String) -> [UInt8] {
        switch self {
        case .partial(let task, let window): Array("\(topology)|\(window.pump)|task-\(task)|\(window.windowStart)".utf8)
        case .progress(let task, _, _): Array("\(topology)|progress|task-\(task)".utf8)
        }
    }

    /// The message's value (see the format above).
    func value() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(magic: "EDPM")
        writer.write(Self.version)
        switch self {
        case .partial(let task, let window):
            writer.write(UInt8(1))
            writer.write(UInt32(task))
            writer.write(bytes: Array(window.pump.utf8))
            writer.write(window.windowStart)
            writer.write(bytes: window.state)
        case .progress(let task, let watermark, let idle):
            writer.write(UInt8(2))
            writer.write(UInt32(task))
            writer.write(watermark)
            writer.write(idle)
        }
        return writer.bytes
    }

    /// Decodes a value; throws with the reason for anything else (another version, a truncated or
    /// foreign message).
    static func decode(_ value: [UInt8]) throws(PartialMessageError) -> PartialMessage {
        var reader = ByteReader(value)
        do {
            try reader.expect(magic: "EDPM")
            let version = try reader.readUInt8("version")
            guard version == Self.version else {
                throw PartialMessageError("partial message version \(version); this eddy reads version \(Self.version)")
            }
            let kind = try reader.readUInt8("kind")
            let task = Int(try reader.readUInt32("task"))
            let message: PartialMessage
            switch kind {
            case 1:
                let name = try reader.readBytes("pump", max: 4096)
                guard let pump = String(validating: name, as: UTF8.self) else { throw PartialMessageError("pump name is not UTF-8") }
                let start = Int64(bitPattern: try reader.readUInt64("window start"))
                let state = try reader.readBytes("state", max: maximumStateBytes)
                message = .partial(task: task, window: ClosedPartialWindow(pump: pump, windowStart: start, state: state))
            case 2:
                let watermark = Int64(bitPattern: try reader.readUInt64("watermark"))
                let idle = try reader.readBool("idle")
                message = .progress(task: task, watermark: watermark, idle: idle)
            default:
                throw PartialMessageError("unknown partial message kind \(kind)")
            }
            try reader.expectEnd()
            return message
        } catch let error as PartialMessageError {
            throw error
        } catch let error as SketchDecodingError {
            throw PartialMessageError("undecodable partial message: \(error.reason)")
        } catch {
            throw PartialMessageError("undecodable partial message: \(error)")
        }
    }
}

/// Why a message of the partials topic could not be read.
struct PartialMessageError: Error, Equatable, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
