import EddyKafka
import Foundation
import Testing

/// Runs kcat (an independent librdkafka client) on a GCD thread, so waiting for it never ties up
/// the cooperative pool that the other tests share, and returns its exit status and output.
func runKcat(_ arguments: [String], stdin: [UInt8] = []) async throws -> (status: Int32, output: [UInt8], errors: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "kcat").async {
            continuation.resume(with: Result { try runKcatBlocking(arguments, stdin: stdin) })
        }
    }
}

private func runKcatBlocking(_ arguments: [String], stdin: [UInt8]) throws -> (status: Int32, output: [UInt8], errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["kcat"] + arguments
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, Array(out), String(decoding: err, as: UTF8.self))
}

/// One record as kcat printed it with `-f '%K %S %k%s|%h\n'` (lengths first, so bytes are exact).
struct KcatRecord: Equatable {
    var key: [UInt8]?
    var value: [UInt8]
    var headers: String
}

func parseKcat(_ output: [UInt8]) -> [KcatRecord] {
    var records: [KcatRecord] = []
    var index = 0
    func readInt() -> Int {
        var text = ""
        while output[index] != UInt8(ascii: " ") { text.append(Character(UnicodeScalar(output[index]))); index += 1 }
        index += 1
        return Int(text)!
    }
    while index < output.count {
        let keyLength = readInt()
        let valueLength = readInt()
        let key: [UInt8]? = keyLength < 0 ? nil : Array(output[index..<index + keyLength])
        index += max(keyLength, 0)
        let value = Array(output[index..<index + valueLength])
        index += valueLength
        precondition(output[index] == UInt8(ascii: "|"))
        index += 1
        var headers: [UInt8] = []
        while output[index] != UInt8(ascii: "\n") { headers.append(output[index]); index += 1 }
        index += 1
        records.append(KcatRecord(key: key, value: value, headers: String(decoding: headers, as: UTF8.self)))
    }
    return records
}

@Suite("Interop with kcat")
struct KcatInteropTests {
    /// Values exercising UTF-8, quotes, tabs-free JSON and binary-ish bytes (no newlines: kcat -P splits on them).
    static let values: [String] = (0..<25).map { index in
        "{\"n\":\(index),\"text\":\"naïve café ✓ \\\"quoted\\\" \(String(repeating: "x", count: index * 7))\",\"emoji\":\"🚀\"}"
    }

    @Test("kcat produces, Eddy consumes: keys, values and headers are byte-identical")
    func kcatToEddy() async throws {
        let topic = uniqueName("kcat-in")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 3)])
        let lines = Self.values.enumerated().map { "key-\($0.offset)-ü\t\($0.element)\n" }.joined()
        let result = try await runKcat(["-b", cluster.bootstrap, "-P", "-t", topic, "-K", "\t",
                                  "-H", "source=kcat", "-H", "note=día", "-X", "sticky.partitioning.linger.ms=0"], stdin: Array(lines.utf8))
        #expect(result.status == 0, "kcat failed: \(result.errors)")

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), groupID: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let records = try await consume(consumer, count: Self.values.count)
        try await consumer.close()
        #expect(records.count == Self.values.count)
        let byKey = Dictionary(uniqueKeysWithValues: records.map { ($0.key ?? [], $0) })
        for (index, value) in Self.values.enumerated() {
            let record = try #require(byKey[Array("key-\(index)-ü".utf8)])
            #expect(record.value == Array(value.utf8))
            #expect(record.headers == [KafkaHeader(key: "source", value: Array("kcat".utf8)), KafkaHeader(key: "note", value: Array("día".utf8))])
        }
    }

    @Test("Eddy produces, kcat consumes: keys, values and headers are byte-identical")
    func eddyToKcat() async throws {
        let topic = uniqueName("kcat-out")
        let cluster = try TestCluster(topics: [.init(name: topic, partitions: 2)])
        let producer = try KafkaProducer(configuration: cluster.configuration())
        var binary = Array(0...255).map { UInt8($0) }
        binary.removeAll { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "|") }
        var sent: [ProducerRecord] = Self.values.enumerated().map { index, value in
            ProducerRecord(topic: topic, key: index == 0 ? nil : Array("k\(index)✓".utf8), value: Array(value.utf8),
                           headers: [KafkaHeader(key: "trace", value: Array("t\(index)".utf8))])
        }
        sent.append(ProducerRecord(topic: topic, key: [0, 1, 2, 255], value: binary, headers: [KafkaHeader(key: "kind", value: Array("binary".utf8))]))
        let outcome = try await producer.send(batch: sent)
        #expect(outcome.succeeded)
        _ = await producer.shutdown()

        let result = try await runKcat(["-b", cluster.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                                  "-X", "fetch.wait.max.ms=10", "-f", "%K %S %k%s|%h\n"])
        #expect(result.status == 0, "kcat failed: \(result.errors)")
        let received = parseKcat(result.output)
        #expect(received.count == sent.count)
        for record in sent {
            let header = record.headers.map { "\($0.key)=\(String(decoding: $0.value ?? [], as: UTF8.self))" }.joined(separator: ",")
            #expect(received.contains(KcatRecord(key: record.key, value: record.value, headers: header)), "missing \(record.value.prefix(20))")
        }
    }
}
