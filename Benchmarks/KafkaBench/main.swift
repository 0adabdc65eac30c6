// KafkaBench: produces and consumes review messages through the embedded cluster with EddyKafka and
// with kcat (an independent librdkafka client) on the same data in the same run, and prints
// messages/s for both and the ratio Eddy/kcat. Target: Eddy consume >= 0.8x kcat.
//
//   swift run -c release KafkaBench [--messages N] [--partitions P] [--rounds R]
import Dispatch
import BenchmarkSupport
import EddyKafka
import EddyWorkload
import Foundation

struct Options {
    var messages: Int
    /// The embedded cluster keeps ~5 MiB per partition; 100k reviews (~50 MB) need >= 13 partitions to stay under 4 MiB.
    var partitions: Int
    var rounds: Int

    init(_ arguments: [String]) {
        let flags = CommandLineFlags(arguments, integerFlags: ["--messages", "--partitions", "--rounds"],
                                     usage: "KafkaBench [--messages N] [--partitions P] [--rounds R]")
        messages = flags.integer("--messages", default: 100_000)
        partitions = flags.integer("--partitions", default: 32)
        rounds = flags.integer("--rounds", default: 3)
    }
}

/// Wall seconds of `kcat arguments`; exits if kcat fails.
func timeKcat(_ arguments: [String]) -> Double {
    do { return try Kcat.run(arguments).seconds } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}

/// A consumer in a fresh group (named from `group`) assigned every partition of `topic` from the
/// beginning, with kcat's fetch wait.
func consumerAtBeginning(bootstrap: String, topic: String, partitions: Int, group: String) async throws -> KafkaConsumer {
    let configuration = KafkaConfiguration(bootstrapServers: bootstrap, properties: [("fetch.wait.max.ms", "10")])
    let consumer = try KafkaConsumer(configuration: configuration, groupID: "\(group)-\(UInt32.random(in: 0...UInt32.max))")
    // Like kcat, ask for the topic's metadata first, so partition leaders are known when assigning.
    _ = try await consumer.describeTopic(topic)
    try consumer.assign((0..<partitions).map { TopicPartitionOffset(topic: topic, partition: Int32($0), offset: KafkaOffset.beginning) })
    return consumer
}

/// Consumes `expected` messages of `topic` from the beginning with the borrowed-batch API, touching
/// every value byte count. Timed from consumer creation to the last message, like a kcat process.
func eddyConsume(bootstrap: String, topic: String, partitions: Int, expected: Int) async throws -> (seconds: Double, bytes: Int) {
    let clock = ContinuousClock()
    let start = clock.now
    let consumer = try await consumerAtBeginning(bootstrap: bootstrap, topic: topic, partitions: partitions, group: "bench")
    var count = 0
    var bytes = 0
    let deadline = clock.now + .seconds(60)
    while count < expected && clock.now < deadline {
        try consumer.poll(timeout: .milliseconds(100)) { batch in
            for message in batch { bytes &+= message.value.count }
            count += batch.count
        }
    }
    let elapsed = seconds(clock.now - start)
    try await consumer.close()
    guard count == expected else {
        FileHandle.standardError.write(Data("Eddy consumed \(count) of \(expected) messages\n".utf8))
        exit(1)
    }
    return (elapsed, bytes)
}

/// The convenience path: owned `KafkaRecord` copies through the `AsyncSequence`.
func eddyConsumeSequence(bootstrap: String, topic: String, partitions: Int, expected: Int) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let consumer = try await consumerAtBeginning(bootstrap: bootstrap, topic: topic, partitions: partitions, group: "bench-seq")
    var count = 0
    for try await _ in consumer.records() {
        count += 1
        if count == expected { break }
    }
    let elapsed = seconds(clock.now - start)
    try await consumer.close()
    return elapsed
}

let options = Options(CommandLine.arguments)
// A fresh pair of topics per produce round: the cluster keeps only ~5 MiB per partition, so
// producing the same data twice into one topic would evict the first copy.
let eddyTopics = (0..<options.rounds).map { "bench-eddy-\($0)" }
let kcatTopics = (0..<options.rounds).map { "bench-kcat-\($0)" }
let topicEddy = eddyTopics[0]
let cluster = try EmbeddedCluster(brokers: 1, topics: (eddyTopics + kcatTopics).map { .init(name: $0, partitions: options.partitions) })

// The data: seeded synthetic reviews, identical for both clients.
var generator = ReviewGenerator(seed: 42, startEventTimeMillis: 1_700_000_000_000, eventsPerSecond: 1000, anomalies: nil)
var values: [[UInt8]] = []
values.reserveCapacity(options.messages)
for _ in 0..<options.messages { values.append(generator.next().value) }
let totalBytes = values.reduce(0) { $0 + $1.count }
let perPartitionMiB = Double(totalBytes) / Double(options.partitions) / 1_048_576
let dataFile = FileManager.default.temporaryDirectory.appendingPathComponent("kafkabench-\(getpid()).jsonl")
var fileBytes = Data(capacity: totalBytes + values.count)
for value in values { fileBytes.append(contentsOf: value); fileBytes.append(0x0A) }
try fileBytes.write(to: dataFile)
defer { try? FileManager.default.removeItem(at: dataFile) }

print("KafkaBench: \(options.messages) review messages, \(totalBytes / 1024) KiB, \(options.partitions) partitions (\(String(format: "%.2f", perPartitionMiB)) MiB each), librdkafka \(librdkafkaVersion()), best of \(options.rounds)")

// Produce: timed from client creation to the last delivery report, best of N rounds.
let producerConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: [
    ("sticky.partitioning.linger.ms", "0"),
])
let clock = ContinuousClock()
var eddyProduceSeconds = Double.infinity, kcatProduceSeconds = Double.infinity
for round in 0..<options.rounds {
    let produceStart = clock.now
    let producer = try KafkaProducer(configuration: producerConfiguration)
    for value in values {
        try value.withUnsafeBytes { buffer in _ = try producer.enqueue(topic: eddyTopics[round], key: nil, value: buffer, blockWhenFull: true) }
    }
    let produced = await producer.awaitDelivery(through: producer.mark())
    eddyProduceSeconds = min(eddyProduceSeconds, seconds(clock.now - produceStart))
    _ = await producer.shutdown()
    guard produced.succeeded else { print("Eddy produce failed: \(produced.failures.first!.error)"); exit(1) }

    kcatProduceSeconds = min(kcatProduceSeconds, timeKcat([
        "-P", "-b", cluster.bootstrapServers, "-t", kcatTopics[round], "-l", "-X", "sticky.partitioning.linger.ms=0", dataFile.path,
    ]))
}

// Consume: both read the same topic (Eddy's copy), alternating, best of N rounds.
var eddyBest = Double.infinity, kcatBest = Double.infinity, sequenceBest = Double.infinity
var consumedBytes = 0
for _ in 0..<options.rounds {
    let eddy = try await eddyConsume(bootstrap: cluster.bootstrapServers, topic: topicEddy, partitions: options.partitions, expected: options.messages)
    eddyBest = min(eddyBest, eddy.seconds)
    consumedBytes = eddy.bytes
    let kcat = timeKcat(Kcat.consumeArguments(bootstrap: cluster.bootstrapServers, topic: topicEddy))
    kcatBest = min(kcatBest, kcat)
    sequenceBest = min(sequenceBest, try await eddyConsumeSequence(
        bootstrap: cluster.bootstrapServers, topic: topicEddy, partitions: options.partitions, expected: options.messages))
}
guard consumedBytes == totalBytes else { print("consumed \(consumedBytes) bytes, expected \(totalBytes)"); exit(1) }

func rate(_ seconds: Double) -> String { String(format: "%10.0f msg/s", Double(options.messages) / seconds) }
print("produce  Eddy \(rate(eddyProduceSeconds))   kcat \(rate(kcatProduceSeconds))   ratio Eddy/kcat \(String(format: "%.2f", kcatProduceSeconds / eddyProduceSeconds))")
print("consume  Eddy \(rate(eddyBest))   (borrowed batches: KafkaConsumer.poll)")
print("consume  Eddy \(rate(sequenceBest))   (owned copies: KafkaConsumer.records() AsyncSequence)")
print("consume  Eddy \(rate(eddyBest))   kcat \(rate(kcatBest))   ratio Eddy/kcat \(String(format: "%.2f", kcatBest / eddyBest))  (target >= 0.80)")
