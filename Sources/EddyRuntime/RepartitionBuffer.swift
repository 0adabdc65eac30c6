import EddyKafka

/// Holds source records per partition and releases them in event-time order across partitions.
///
/// A repartition partition receives rows of every source partition, and the tasks' watermark is
/// per partition of what they read. Forwarding whole fetched batches one source partition at a
/// time would let a repartition partition's event time run ahead by a backlog's span, turning the
/// slower partitions' rows late. So, like Kafka Streams' partition group, the stage releases the
/// buffered record with the lowest rowtime, and only while every assigned partition has one
/// buffered: an empty partition is waited for, unless it is caught up with its high watermark or
/// has been empty for `idleWait` (then it is not holding anything back).
///
/// Records are copied into per-partition byte buffers that are reused, so buffering allocates
/// nothing per record once warm. Confined to the stage thread.
final class RepartitionBuffer {
    struct Pending {
        var offset: Int64
        var timestamp: Int64?
        var rowtime: Int64
        /// Key bytes in `bytes`, or a null key when `keyCount < 0`.
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    final class Queue {
        let partition: Int32
        var records: [Pending] = []
        var head = 0
        var bytes: [UInt8] = []
        /// The next offset to fetch: one past the last buffered record.
        var fetchPosition: Int64 = -1
        /// When the queue last became empty (or was created).
        var emptySince: ContinuousClock.Instant

        init(partition: Int32, now: ContinuousClock.Instant) {
            self.partition = partition
            emptySince = now
        }

        var isEmpty: Bool { head == records.count }
        /// Records buffered and not yet released.
        var count: Int { records.count - head }

        func append(_ bytesToCopy: UnsafeRawBufferPointer) -> Int {
            let start = bytes.count
            bytes.append(contentsOf: bytesToCopy)
            return start
        }

        /// Drops released records; storage is kept (reset when empty, compacted when mostly released).
        func popFirst(now: ContinuousClock.Instant) {
            head += 1
            if head == records.count {
                records.removeAll(keepingCapacity: true)
                bytes.removeAll(keepingCapacity: true)
                head = 0
                emptySince = now
            } else if head >= 4096 && head * 2 >= records.count {
                let shift = records[head].keyCount >= 0 ? min(records[head].keyStart, records[head].valueStart) : records[head].valueStart
                bytes.removeSubrange(0..<shift)
                records.removeSubrange(0..<head)
                head = 0
                for index in records.indices {
                    records[index].keyStart -= shift
                    records[index].valueStart -= shift
                }
            }
        }
    }

    private let extractor: RepartitionKeyExtractor
    private let idleWait: Duration
    private(set) var queues: [Queue] = []
    private(set) var buffered = 0
    private(set) var undecodable = 0

    init(extractor: RepartitionKeyExtractor, idleWait: Duration) {
        self.extractor = extractor
        self.idleWait = idleWait
    }

    func queue(_ partition: Int32, now: ContinuousClock.Instant) -> Queue {
        for queue in queues where queue.partition == partition { return queue }
        let queue = Queue(partition: partition, now: now)
        queues.append(queue)
        return queue
    }

    /// Copies a fetched record into its partition's queue, with its key and event time.
    func add(_ message: KafkaMessage, now: ContinuousClock.Instant) {
        let queue = queue(message.partition, now: now)
        let value = message.value
        let timestamp = message.timestampMillis
        var keyStart = 0
        var keyCount = -1
        var rowtime = Int64.min
        switch extractor.extract(value) {
        case .key(let key):
            keyStart = queue.append(key)
            keyCount = key.count
            // Without a rowtime column, ROWTIME is the Kafka timestamp.
            rowtime = extractor.rowtime ?? timestamp ?? Int64.min
        case .undecodable:
            // Nothing to order by: released at once (the task reports it as an error).
            undecodable += 1
        }
        let valueStart = queue.append(value)
        queue.records.append(Pending(offset: message.offset, timestamp: timestamp, rowtime: rowtime, keyStart: keyStart,
                                     keyCount: keyCount, valueStart: valueStart, valueCount: value.count))
        queue.fetchPosition = message.offset + 1
        buffered += 1
    }

    /// Releases records in event-time order while no assigned partition must be waited for.
    /// `caughtUp(partition, fetchPosition)` says whether a partition has nothing more to fetch now.
    func release(now: ContinuousClock.Instant, caughtUp: (Int32, Int64) -> Bool,
                 _ forward: (Int32, Pending, [UInt8]) throws(KafkaError) -> Void) throws(KafkaError) {
        while true {
            var best: Queue?
            for queue in queues {
                if queue.isEmpty {
                    if caughtUp(queue.partition, queue.fetchPosition) || now - queue.emptySince >= idleWait { continue }
                    return
                }
                if best == nil || queue.records[queue.head].rowtime < best!.records[best!.head].rowtime { best = queue }
            }
            guard let best else { return }
            try forward(best.partition, best.records[best.head], best.bytes)
            best.popFirst(now: now)
            buffered -= 1
        }
    }

    /// Forgets partitions taken away (their unreleased records are read again by the new owner).
    func remove(partitions: [Int32]) {
        for queue in queues where partitions.contains(queue.partition) { buffered -= queue.records.count - queue.head }
        queues.removeAll { partitions.contains($0.partition) }
    }

    /// Starts waiting for newly assigned partitions.
    func expect(partitions: [Int32], now: ContinuousClock.Instant) {
        for partition in partitions { _ = queue(partition, now: now) }
    }
}
