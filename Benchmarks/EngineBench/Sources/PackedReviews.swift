import EddyWorkload

/// Generated review messages packed end to end, message `i` at `buffer[offsets[i]..<offsets[i + 1]]`:
/// every EngineBench mode's input, built once before anything is timed, so the engine reads
/// contiguous bytes as it does from a Kafka fetch.
struct PackedReviews {
    var buffer: [UInt8] = []
    var offsets: [Int] = [0]

    init(count: Int, seed: UInt64, eventsPerSecond: Double, bytesPerMessageHint: Int = 700) {
        var generator = ReviewGenerator(seed: seed, startEventTimeMillis: 1_795_496_400_000, eventsPerSecond: eventsPerSecond, anomalies: nil)
        buffer.reserveCapacity(count * bytesPerMessageHint)
        offsets.reserveCapacity(count + 1)
        for _ in 0..<count {
            buffer.append(contentsOf: generator.next().value)
            offsets.append(buffer.count)
        }
    }
}
