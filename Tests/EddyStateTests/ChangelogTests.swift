import EddyCore
import EddyState
import Testing

/// An in-memory stand-in for a compacted changelog topic (one partition).
final class InMemoryTopic: ChangelogTopic {
    private(set) var log: [ChangelogMessage] = []
    /// Appends fail after this many messages, to simulate a crash mid-snapshot.
    var failAfter: Int?

    func append(_ messages: [ChangelogMessage]) throws {
        for message in messages {
            if let limit = failAfter, log.count >= limit { throw CheckpointError(kind: .io, message: "simulated crash") }
            log.append(message)
        }
    }

    /// What Kafka's log compaction leaves: the latest value per key, tombstoned keys removed.
    func compacted() -> [ChangelogMessage] {
        var latest: [[UInt8]: Int] = [:]
        for (index, message) in log.enumerated() { latest[message.key] = index }
        return log.enumerated().filter { latest[$0.element.key] == $0.offset && $0.element.value != nil }.map(\.element)
    }
}

@Suite("Changelog chunking")
struct ChangelogTests {
    @Test("A 4 MB checkpoint splits into chunks under the message limit and reassembles from shuffled, repeated chunks")
    func shuffledAndDuplicated() throws {
        let checkpoint = sampleCheckpoint(id: 5, stateSizes: [4_000_000, 10])
        let chunker = try ChangelogChunker(maxMessageBytes: 1_000_000)
        let messages = try chunker.messages(for: checkpoint)
        #expect(messages.count == 5)
        #expect(messages.allSatisfy { $0.key.count + $0.value!.count <= 1_000_000 - ChangelogChunker.kafkaOverheadBytes })

        var generator = SplitMix64(seed: 11)
        var delivered = messages + [messages[2], messages[0]]
        delivered.shuffle(using: &generator)
        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: delivered)
        let restore = try assembler.newest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(restore.checkpoint == checkpoint)
        #expect(restore.chunkCount == 5)
        #expect(assembler.problems.isEmpty)
    }

    @Test("A snapshot with a missing chunk is passed over for the previous complete one")
    func missingChunk() throws {
        let chunker = try ChangelogChunker(maxMessageBytes: 8192)
        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: try chunker.messages(for: sampleCheckpoint(id: 1, stateSizes: [30_000])))
        assembler.add(contentsOf: try chunker.messages(for: sampleCheckpoint(id: 2, stateSizes: [30_000])).dropLast())
        let restore = try assembler.newest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(restore.checkpoint == sampleCheckpoint(id: 1, stateSizes: [30_000]))
        #expect(restore.skipped.map(\.kind) == [.incomplete])
    }

    @Test("A damaged chunk is reported, and its snapshot is not used")
    func damagedChunk() throws {
        let chunker = try ChangelogChunker(maxMessageBytes: 8192)
        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: try chunker.messages(for: sampleCheckpoint(id: 1, stateSizes: [20_000])))
        var newer = try chunker.messages(for: sampleCheckpoint(id: 2, stateSizes: [20_000]))
        newer[1].value![200] ^= 0x40
        assembler.add(contentsOf: newer)
        assembler.add(ChangelogMessage(key: Array("not-a-chunk".utf8), value: [1, 2, 3]))
        #expect(assembler.problems.map(\.kind) == [.corrupt, .corrupt])
        #expect(try assembler.newest(scope: "reviews-0", fingerprint: "topo-1").checkpoint?.id == 1)
    }

    @Test("A replaced chunk value (same key, later in the log) wins, as under compaction")
    func laterValueWins() throws {
        let chunker = try ChangelogChunker(maxMessageBytes: 8192)
        var first = try chunker.messages(for: sampleCheckpoint(id: 3, stateSizes: [20_000]))
        let original = first[0]
        first[0].value![first[0].value!.count - 1] ^= 0x01
        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: first)
        assembler.add(original)
        #expect(try assembler.newest(scope: "reviews-0", fingerprint: "topo-1").checkpoint == sampleCheckpoint(id: 3, stateSizes: [20_000]))
    }

    @Test("The writer retires older snapshots, so a compacted topic holds one per scope; a crash mid-snapshot keeps the previous one")
    func writerAndCompaction() throws {
        let topic = InMemoryTopic()
        let writer = ChangelogCheckpointWriter(topic: topic, chunker: try ChangelogChunker(maxMessageBytes: 8192))
        for id in 1...3 { #expect(try writer.write(sampleCheckpoint(id: UInt64(id), stateSizes: [20_000])) == 3) }
        try writer.write(sampleCheckpoint(scope: "reviews-1", id: 1, stateSizes: [10]))
        let compacted = topic.compacted()
        #expect(compacted.count == 4)

        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: compacted)
        #expect(assembler.scopes == ["reviews-0", "reviews-1"])
        #expect(try assembler.newest(scope: "reviews-0", fingerprint: "topo-1").checkpoint == sampleCheckpoint(id: 3, stateSizes: [20_000]))

        // Uncompacted log too: tombstones retire ids 1 and 2 even though their chunks are still there.
        var fromLog = ChangelogAssembler()
        fromLog.add(contentsOf: topic.log)
        #expect(try fromLog.newest(scope: "reviews-0", fingerprint: "topo-1").checkpoint?.id == 3)

        topic.failAfter = topic.log.count + 2
        #expect(throws: CheckpointError.self) { try writer.write(sampleCheckpoint(id: 4, stateSizes: [20_000])) }
        var afterCrash = ChangelogAssembler()
        afterCrash.add(contentsOf: topic.compacted())
        let restore = try afterCrash.newest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(restore.checkpoint?.id == 3)
        #expect(restore.skipped.map(\.kind) == [.incomplete])
    }

    @Test("Incompatible snapshots stop the restore; a too-small message limit is refused")
    func incompatibleAndLimits() throws {
        let chunker = try ChangelogChunker(maxMessageBytes: 8192)
        var assembler = ChangelogAssembler()
        assembler.add(contentsOf: try chunker.messages(for: sampleCheckpoint(id: 1, fingerprint: "old")))
        let error = #expect(throws: CheckpointError.self) { try assembler.newest(scope: "reviews-0", fingerprint: "new") }
        #expect(error?.kind == .fingerprintMismatch)
        #expect(try assembler.newest(scope: "absent", fingerprint: "new").checkpoint == nil)
        #expect(throws: CheckpointError.self) { try ChangelogChunker(maxMessageBytes: 100) }
    }
}
