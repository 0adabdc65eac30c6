import EddyKafka
import EddySQL

/// Sends source records, unchanged, to a repartition topic keyed by their partition column (the
/// key and event-time order come from `RepartitionBuffer`).
///
/// Value and timestamp are copied as they are; the key is the partition column's value (see
/// `RepartitionKeyExtractor`), so records of one key share a repartition partition and therefore a
/// task; the headers `eddy-up-partition` / `eddy-up-offset` name the source position, from which
/// `UpstreamDeduplicator` recognises the replays of an at-least-once restart. A record whose
/// partition column cannot be decoded is forwarded with a null key: the downstream engine decodes it
/// again and reports it in its error stream, so nothing is dropped silently here.
///
/// Per record it allocates nothing once warm: the key is written into reused buffers and the two
/// header values are rewritten in place. Confined to one thread.
final class Repartitioner {
    let topic: String
    private let producer: KafkaProducer
    /// The two headers, whose values are rewritten in place for every record.
    private var headers: [KafkaHeader]
    private(set) var forwarded = 0

    init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.producer = producer
        var partition: [UInt8] = []
        partition.reserveCapacity(20)
        var offset: [UInt8] = []
        offset.reserveCapacity(20)
        headers = [KafkaHeader(key: UpstreamPosition.partitionHeader, value: partition),
                   KafkaHeader(key: UpstreamPosition.offsetHeader, value: offset)]
    }

    /// Enqueues a buffered record of source `partition` for the repartition topic, waiting (on
    /// this thread) while librdkafka's queue is full.
    func send(partition: Int32, _ record: RepartitionBuffer.Pending, bytes: [UInt8]) throws(KafkaError) {
        setDecimal(0, Int64(partition))
        setDecimal(1, record.offset)
        let failure = bytes.withUnsafeBytes { buffer -> KafkaError? in
            let value = UnsafeRawBufferPointer(rebasing: buffer[record.valueStart..<(record.valueStart + record.valueCount)])
            let key = record.keyCount < 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[record.keyStart..<(record.keyStart + record.keyCount)])
            do throws(KafkaError) {
                try producer.enqueue(topic: topic, key: key, value: value, headers: headers, timestampMillis: record.timestamp, blockWhenFull: true)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        forwarded += 1
    }

    /// Rewrites header `index`'s value as the decimal text of a non-negative `number`.
    private func setDecimal(_ index: Int, _ number: Int64) {
        headers[index].value!.removeAll(keepingCapacity: true)
        var magnitude = number.magnitude
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        if number < 0 { headers[index].value!.append(UInt8(ascii: "-")) }
        repeat {
            headers[index].value!.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        } while divisor > 0
    }
}
