import EddyKafka
@testable import EddyRuntime
import EddySQL
import Testing

@Suite("UpstreamDeduplicator and the repartition key")
struct RepartitionDeduplicatorTests {
    @Test func replaysAtOrBelowTheHighestOffsetOfALaneAreSkipped() {
        var dedup = UpstreamDeduplicator()
        let admitted = [
            (0, 0, 5), (0, 0, 6), (0, 0, 6), (0, 0, 3), (0, 0, 7),
            // Another upstream partition, and another repartition partition, are separate lanes.
            (0, 1, 2), (1, 0, 1), (1, 0, 6),
        ].map { dedup.admit(partition: Int32($0.0), upstream: UpstreamPosition(partition: Int32($0.1), offset: Int64($0.2))) }
        #expect(admitted == [true, true, false, false, true, true, true, true])
        #expect(dedup.duplicates == 2)
        #expect(dedup.laneCount == 3)
        #expect(dedup.highestOffset(partition: 0, upstreamPartition: 0) == 7)
        #expect(dedup.highestOffset(partition: 1, upstreamPartition: 0) == 6)
        #expect(dedup.highestOffset(partition: 2, upstreamPartition: 0) == nil)
    }

    @Test func recordsWithoutUpstreamHeadersAreAlwaysAdmitted() {
        var dedup = UpstreamDeduplicator()
        let plain = KafkaRecord(topic: "t", partition: 0, offset: 3, timestampMillis: nil, key: nil, value: [], headers: [])
        let first = dedup.admit(plain)
        let again = dedup.admit(plain)
        #expect(first && again)
        #expect(dedup.laneCount == 0)
    }

    @Test func snapshotsRoundTripAndAreCanonical() throws {
        var a = UpstreamDeduplicator()
        var b = UpstreamDeduplicator()
        let positions = [(2, 1, 40), (0, 0, 7), (1, 2, 1 << 40), (0, 3, 0)]
        for p in positions { _ = a.admit(partition: Int32(p.0), upstream: UpstreamPosition(partition: Int32(p.1), offset: Int64(p.2))) }
        for p in positions.reversed() { _ = b.admit(partition: Int32(p.0), upstream: UpstreamPosition(partition: Int32(p.1), offset: Int64(p.2))) }
        #expect(a.snapshot() == b.snapshot())
        #expect(a.snapshot().count == 9 + 4 * 16)
        var restored = UpstreamDeduplicator()
        _ = restored.admit(partition: 9, upstream: UpstreamPosition(partition: 9, offset: 9))
        try restored.restore(from: a.snapshot())
        #expect(restored == a)
        let replayed = restored.admit(partition: 1, upstream: UpstreamPosition(partition: 2, offset: 1 << 40))
        let next = restored.admit(partition: 1, upstream: UpstreamPosition(partition: 2, offset: (1 << 40) + 1))
        #expect(!replayed)
        #expect(next)
    }

    @Test func badSnapshotsAreRejectedWithAReason() {
        let good = UpstreamDeduplicator().snapshot()
        func restore(_ bytes: [UInt8]) throws(RepartitionError) {
            var dedup = UpstreamDeduplicator()
            try dedup.restore(from: bytes)
        }
        #expect(throws: RepartitionError("not an upstream deduplicator snapshot")) { try restore(Array("nope nope".utf8)) }
        var future = good
        future[4] = 9
        #expect(throws: RepartitionError("upstream deduplicator snapshot version 9 is not supported (this build reads version 1)")) {
            try restore(future)
        }
        var truncated = good
        truncated[5] = 1
        #expect(throws: RepartitionError("upstream deduplicator snapshot is 9 bytes, expected 25 for 1 lanes")) { try restore(truncated) }
    }

    @Test func upstreamPositionsAreReadFromTheHeaders() {
        let headers = [KafkaHeader(key: "other", value: nil), KafkaHeader(key: "eddy-up-offset", value: Array("12345678901".utf8)),
                       KafkaHeader(key: "eddy-up-partition", value: Array("7".utf8))]
        #expect(UpstreamPosition(headers: headers) == UpstreamPosition(partition: 7, offset: 12_345_678_901))
        #expect(UpstreamPosition(headers: Array(headers.prefix(2))) == nil)
        #expect(UpstreamPosition(headers: [KafkaHeader(key: "eddy-up-partition", value: Array("x".utf8)), headers[1]]) == nil)
        #expect(UpstreamPosition(headers: [KafkaHeader(key: "eddy-up-partition", value: Array("99999999999".utf8)), headers[1]]) == nil)
        // Bad header values are rejected, never trapped on.
        #expect(UpstreamPosition(headers: [headers[2], KafkaHeader(key: "eddy-up-offset", value: Array("9999999999999999999".utf8))]) == nil)
        #expect(UpstreamPosition(headers: [headers[2], KafkaHeader(key: "eddy-up-offset", value: Array("9223372036854775807".utf8))])
                == UpstreamPosition(partition: 7, offset: .max))
        #expect(UpstreamPosition(headers: [headers[2], KafkaHeader(key: "eddy-up-offset", value: nil)]) == nil)
        #expect(UpstreamPosition(headers: [headers[2], KafkaHeader(key: "eddy-up-offset", value: [])]) == nil)
    }

    static func key(_ sql: String, column: Int, _ value: String) throws -> [UInt8]? {
        let topology = try Analyzer.analyze(text: sql, name: "t")
        let extractor = RepartitionKeyExtractor(stream: topology.streams[topology.streamIndex("S")!], column: column)
        return Array(value.utf8).withUnsafeBytes { bytes -> [UInt8]? in
            if case .key(let key) = extractor.extract(bytes) { Array(key) } else { nil }
        }
    }

    @Test func keysAreTheColumnsValueAsText() throws {
        let json = "CREATE STREAM S (\"id\" BIGINT, \"cat\" VARCHAR(8) PATH '$.meta.cat', \"score\" DOUBLE, \"ok\" BOOLEAN) WITH ('topic' = 's');"
        #expect(try Self.key(json, column: 1, #"{"id":1,"meta":{"x":[1,{"cat":2}],"cat":"b\u00e9"},"score":1}"#) == Array("bé".utf8))
        #expect(try Self.key(json, column: 0, #"{"id":-42,"meta":{"cat":"a"}}"#) == Array("-42".utf8))
        #expect(try Self.key(json, column: 0, #"{"id":9223372036854775807}"#) == Array("9223372036854775807".utf8))
        // Equal doubles give equal keys however they are written.
        #expect(try Self.key(json, column: 2, #"{"score":3}"#) == Array("3".utf8))
        #expect(try Self.key(json, column: 2, #"{"score":3.0}"#) == Array("3".utf8))
        #expect(try Self.key(json, column: 2, #"{"score":0.5}"#) == Array("3fe0000000000000".utf8))
        #expect(try Self.key(json, column: 3, #"{"ok":true}"#) == Array("true".utf8))
        // NULL is one byte 0x00, distinct from the empty string.
        #expect(try Self.key(json, column: 1, #"{"meta":{"cat":null}}"#) == [0])
        #expect(try Self.key(json, column: 1, #"{"meta":{"cat":""}}"#) == [])
        // Undecodable: malformed, missing field, wrong type.
        #expect(try Self.key(json, column: 1, #"{"meta":{"cat":"a"}"#) == nil)
        #expect(try Self.key(json, column: 1, #"{"id":1}"#) == nil)
        #expect(try Self.key(json, column: 0, #"{"id":"seven"}"#) == nil)

        let csv = "CREATE STREAM S (\"id\" BIGINT, \"cat\" VARCHAR(8)) WITH ('topic' = 's', 'format' = 'csv');"
        #expect(try Self.key(csv, column: 1, "7,\"a,b\"") == Array("a,b".utf8))
        #expect(try Self.key(csv, column: 0, ",x") == [0])
        #expect(try Self.key(csv, column: 0, "1,2,3") == nil)
    }
}
