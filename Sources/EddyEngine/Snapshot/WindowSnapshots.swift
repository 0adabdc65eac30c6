import EddyCore
import EddySketches

/// Tumbling windows: each open window's start and group table, oldest first. The last-window
/// cache is not state (it is refilled by the next row).
extension TumblingOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 1 }

    func writeState(into writer: inout ByteWriter) {
        writer.write(size)
        let starts = windows.keys.sorted()
        writer.write(starts.count)
        for start in starts {
            writer.write(start)
            windows[start]!.write(into: &writer)
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let storedSize = Int64(try r.readInt("window size"))
            guard storedSize == size else { throw SketchDecodingError("window size \(storedSize) ms, this pump's \(size) ms") }
            let count = try r.readCount("open windows", max: 1 << 24)
            var restored: [Int64: GroupTable] = [:]
            for _ in 0..<count {
                let start = Int64(try r.readInt("window start"))
                let table = try GroupTable.read(from: &r, stateWords: accumulators.stateWords)
                try accumulators.validate(table, groups: table.count)
                guard restored.updateValue(table, forKey: start) == nil else { throw SketchDecodingError("window \(start) appears twice") }
            }
            return {
                self.windows = restored
                self.oldestStart = restored.keys.min() ?? .max
                self.lastStart = .min
                self.lastTable = nil
            }
        }
    }

    var stateBytes: Int { windows.values.reduce(0) { $0 + $1.stateBytes } }
}

/// Stagger windows: the group table of the keys with an open window (compacted first, so the bytes
/// depend only on the open windows) and each one's window start.
extension StaggerOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 2 }

    func writeState(into writer: inout ByteWriter) {
        compact()
        writer.write(range)
        table.write(into: &writer)
        for start in starts { writer.write(start) }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let storedRange = Int64(try r.readInt("window range"))
            guard storedRange == range else { throw SketchDecodingError("window range \(storedRange) ms, this pump's \(range) ms") }
            let restored = try GroupTable.read(from: &r, stateWords: accumulators.stateWords)
            try accumulators.validate(restored, groups: restored.count)
            var restoredStarts: [Int64] = []
            for _ in 0..<restored.count {
                let start = Int64(try r.readInt("window start"))
                guard start != .min else { throw SketchDecodingError("a stagger key without an open window") }
                restoredStarts.append(start)
            }
            return {
                self.table.replaceContents(with: restored)
                self.starts = restoredStarts
                self.pending.rebuild(from: restoredStarts)
                self.earliestStart = restoredStarts.min() ?? .max
            }
        }
    }

    var stateBytes: Int { table.stateBytes + starts.count * 8 + pending.count * 16 }
}

/// Sliding windows: the watermark the keys expire by, the partition key table and each partition's
/// newest rowtime and retained rows (row times, argument values, and the text of string
/// arguments). A string argument's value word is a stale reference into the frame it came from
/// (only its text is read), so it is written as zero. Expired keys are dropped, RANGE frames
/// trimmed to the watermark and the table compacted first, so the bytes depend only on what later
/// rows can still read.
extension SlidingOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 3 }

    func writeState(into writer: inout ByteWriter) {
        scan()
        compact()
        writer.write(expiry.watermark)
        writer.write(plans.count)
        table.write(into: &writer)
        let stringArgument = plans.map { $0.argument?.type.kind == .string }
        for case let p? in partitions {
            writer.write(p.newest)
            writer.write(p.rowtimes.count)
            for i in 0..<p.rowtimes.count {
                writer.write(p.rowtimes[i])
                for k in 0..<plans.count {
                    let v = p.values[i * plans.count + k]
                    writer.write(v.isNull)
                    if stringArgument[k] {
                        if let text = p.strings[i * plans.count + k] { writer.write(true); writer.write(bytes: Array(text.utf8)) } else { writer.write(false) }
                    } else {
                        writer.write(v.bits)
                    }
                }
            }
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let watermark = Int64(try r.readInt("watermark"))
            let storedPlans = try r.readInt("aggregate count")
            guard storedPlans == plans.count else { throw SketchDecodingError("\(storedPlans) aggregates, this pump has \(plans.count)") }
            let restoredTable = try GroupTable.read(from: &r, stateWords: 0)
            let stringArgument = plans.map { $0.argument?.type.kind == .string }
            var restored: [Partition] = []
            for _ in 0..<restoredTable.count {
                let p = Partition()
                p.newest = Int64(try r.readInt("newest rowtime"))
                let rows = try r.readCount("partition rows", max: 1 << 30)
                for _ in 0..<rows {
                    p.rowtimes.append(Int64(try r.readInt("row time")))
                    for k in 0..<plans.count {
                        let isNull = try r.readBool("null flag")
                        if stringArgument[k] {
                            let text: String? = try r.readBool("text flag") ? String(decoding: try r.readBytes("text", max: 1 << 30), as: UTF8.self) : nil
                            guard (text == nil) == isNull else { throw SketchDecodingError("a string argument's text disagrees with its null flag") }
                            p.values.append(Value(bits: 0, isNull: isNull))
                            p.strings.append(text)
                        } else {
                            p.values.append(Value(bits: try r.readUInt64("value"), isNull: isNull))
                            p.strings.append(nil)
                        }
                    }
                }
                restored.append(p)
            }
            return {
                self.table.replaceContents(with: restoredTable)
                self.partitions = restored
                self.expiry.advance(to: watermark)
                self.expiry.oldest = restored.map(\.newest).min() ?? .max
            }
        }
    }

    var stateBytes: Int {
        table.stateBytes + partitions.reduce(0) { $0 + ($1.map { 16 + $0.rowtimes.count * (8 + plans.count * 24) } ?? 0) }
    }
}
