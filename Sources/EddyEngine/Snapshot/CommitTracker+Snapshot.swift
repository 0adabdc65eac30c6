import EddySketches

/// The commit tracker's pending offsets per source partition, in (source, partition) order. Only
/// the entries not yet released are written, so compaction timing does not change the bytes.
extension CommitTracker {
    func writeState(into writer: inout ByteWriter) {
        writer.write(span)
        let keys = queues.keys.sorted { ($0.source, $0.partition) < ($1.source, $1.partition) }
        writer.write(keys.count)
        for key in keys {
            let queue = queues[key]!
            writer.write(key.source)
            writer.write(Int64(key.partition))
            writer.write(queue.released != nil)
            writer.write(queue.released ?? 0)
            writer.write(queue.offsets.count - queue.head)
            for i in queue.head..<queue.offsets.count {
                writer.write(queue.offsets[i])
                writer.write(queue.doneAt[i])
            }
        }
    }

    /// Decodes the queues written by `writeState`; the returned closure installs them into `tracker`
    /// (nil when this engine does not track offsets: the section is then only checked).
    static func readState(from reader: inout ByteReader, into tracker: CommitTracker?) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let storedSpan = Int64(try r.readInt("commit span"))
            if let tracker, storedSpan != tracker.span {
                throw SketchDecodingError("commit tracker span \(storedSpan), this topology's \(tracker.span)")
            }
            let count = try r.readCount("commit queues", max: 1 << 20)
            var restored: [Key: Queue] = [:]
            for _ in 0..<count {
                let source = try r.readInt("source"), partition = try r.readInt("partition")
                guard let narrow = Int32(exactly: partition) else { throw SketchDecodingError("partition \(partition)") }
                let queue = Queue()
                let hasReleased = try r.readBool("released flag"), released = Int64(try r.readInt("released offset"))
                queue.released = hasReleased ? released : nil
                let pending = try r.readCount("pending offsets", max: 1 << 40)
                queue.offsets.reserveCapacity(pending)
                queue.doneAt.reserveCapacity(pending)
                for _ in 0..<pending {
                    queue.offsets.append(Int64(try r.readInt("offset")))
                    queue.doneAt.append(Int64(try r.readInt("done at")))
                }
                let key = Key(source: source, partition: narrow)
                guard restored.updateValue(queue, forKey: key) == nil else { throw SketchDecodingError("commit queue repeats") }
            }
            return { tracker?.queues = restored }
        }
    }
}
