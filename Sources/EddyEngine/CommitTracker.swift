/// Which input offsets a Kafka runtime may commit for at-least-once delivery.
///
/// A record is done once every window it can contribute to has fired: errors and late rows at
/// once, accepted rows when the watermark passes `rowtime + span`, where `span` is the sum of the
/// window lengths of all windowed pumps (a conservative bound that also covers chained windows).
/// Offsets are released in order per partition, so a committed offset never skips a pending record.
final class CommitTracker {
    struct Key: Hashable { var source: Int; var partition: Int32 }

    final class Queue {
        @exclusivity(unchecked) var offsets: ContiguousArray<Int64> = []
        @exclusivity(unchecked) var doneAt: ContiguousArray<Int64> = []
        var head = 0
        var released: Int64?
    }

    let span: Int64
    var queues: [Key: Queue] = [:]
    /// The queue of the previous record: Kafka batches come partition by partition, so most records
    /// skip the dictionary lookup (and its hashing) altogether.
    @exclusivity(unchecked) private var lastKey = Key(source: -1, partition: -1)
    @exclusivity(unchecked) private var lastQueue: Queue?

    init(span: Int64) { self.span = span }

    @inline(__always) func record(source: Int, partition: Int32, offset: Int64, doneAt: Int64) {
        let key = Key(source: source, partition: partition)
        if key != lastKey || lastQueue == nil {
            let queue: Queue
            if let existing = queues[key] { queue = existing } else { queue = Queue(); queues[key] = queue }
            lastKey = key
            lastQueue = queue
        }
        // A guaranteed reference (`queues` keeps the queue alive): loading the `var` as a strong
        // reference cost an atomic retain and release per record.
        Unmanaged.passUnretained(lastQueue.unsafelyUnwrapped)._withUnsafeGuaranteedRef { queue in
            queue.offsets.append(offset)
            queue.doneAt.append(doneAt)
        }
    }

    func accepted(source: Int, partition: Int32, offset: Int64, rowtime: Int64) {
        record(source: source, partition: partition, offset: offset, doneAt: rowtime &+ span)
    }

    func release(watermark: Int64, finished: Bool) -> [CommitPosition] {
        var result: [CommitPosition] = []
        for (key, queue) in queues {
            var advanced = false
            while queue.head < queue.offsets.count, finished || queue.doneAt[queue.head] <= watermark {
                queue.released = queue.offsets[queue.head]
                queue.head += 1
                advanced = true
            }
            if queue.head > 4096, queue.head * 2 > queue.offsets.count {
                queue.offsets.removeFirst(queue.head)
                queue.doneAt.removeFirst(queue.head)
                queue.head = 0
            }
            if advanced, let released = queue.released {
                result.append(CommitPosition(source: key.source, partition: key.partition, nextOffset: released + 1))
            }
        }
        return result.sorted { ($0.source, $0.partition) < ($1.source, $1.partition) }
    }
}

/// The next offset to commit for a source partition: every record before it is fully processed.
public struct CommitPosition: Sendable, Equatable {
    public var source: Int
    public var partition: Int32
    public var nextOffset: Int64

    public init(source: Int, partition: Int32, nextOffset: Int64) {
        self.source = source
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

extension Engine {
    /// Offsets that became safe to commit since the last call (requires `trackCommitOffsets`).
    /// Commit them after the rows drained so far have been delivered.
    public func releasedCommitPositions() -> [CommitPosition] {
        commitTracker?.release(watermark: watermark, finished: finished) ?? []
    }
}
