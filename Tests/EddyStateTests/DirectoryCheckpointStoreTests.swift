import Dispatch
import EddyState
import Foundation
import Testing

@Suite("Directory checkpoint store")
struct DirectoryCheckpointStoreTests {
    @Test("A saved checkpoint loads back, under its documented file name")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "node-a")
        let checkpoint = sampleCheckpoint(id: 12)
        let path = try store.save(checkpoint)
        #expect(path == directory + "/reviews-0~00000000000000000012~node-a.ckpt")
        #expect(try files(in: directory) == ["reviews-0~00000000000000000012~node-a.ckpt"])
        let load = try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(load.checkpoint == checkpoint)
        #expect(load.path == path)
        #expect(load.skipped.isEmpty)
        #expect(try store.scopes() == ["reviews-0"])
    }

    @Test("An empty or new directory has no checkpoint, and that is not an error")
    func empty() throws {
        let directory = try temporaryDirectory() + "/nested/state"
        let store = try DirectoryCheckpointStore(directory: directory)
        let load = try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(load.checkpoint == nil)
        #expect(load.skipped.isEmpty)
    }

    @Test("Only the newest N checkpoints of a scope are kept; other scopes are untouched")
    func retention() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 2, writerID: "a")
        try store.save(sampleCheckpoint(scope: "other", id: 1))
        for id in 1...5 { try store.save(sampleCheckpoint(id: UInt64(id))) }
        #expect(try store.list(scope: "reviews-0").map(\.id) == [5, 4])
        #expect(try store.list(scope: "other").map(\.id) == [1])
        #expect(try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1").checkpoint == sampleCheckpoint(id: 5))
    }

    @Test("A crash between write and rename leaves the previous checkpoint loadable; the writer's leftovers are cleaned on restart")
    func crashBeforeRename() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "a")
        try store.save(sampleCheckpoint(id: 1))
        // What a crash leaves: complete and half-written temporary files of checkpoint 2, ours and another writer's.
        let newer = try CheckpointFormat.encode(sampleCheckpoint(id: 2))
        try writeBytes(newer, to: directory + "/.tmp~reviews-0~00000000000000000002~a~123-9.ckpt")
        try writeBytes(Array(newer.prefix(30)), to: directory + "/.tmp~reviews-0~00000000000000000002~a~123-10.ckpt")
        try writeBytes(newer, to: directory + "/.tmp~reviews-0~00000000000000000002~b~77-1.ckpt")

        let load = try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(load.checkpoint == sampleCheckpoint(id: 1))
        #expect(load.skipped.isEmpty)

        let restarted = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "a")
        #expect(try files(in: directory) == [".tmp~reviews-0~00000000000000000002~b~77-1.ckpt", "reviews-0~00000000000000000001~a.ckpt"])
        #expect(try restarted.loadNewest(scope: "reviews-0", fingerprint: "topo-1").checkpoint == sampleCheckpoint(id: 1))
    }

    @Test("Corrupt and truncated newer files are skipped and reported; the newest valid one loads")
    func corruptFilesSkipped() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 5, writerID: "a")
        try store.save(sampleCheckpoint(id: 1))
        let flipped = try store.save(sampleCheckpoint(id: 2))
        let truncated = try store.save(sampleCheckpoint(id: 3))
        var bytes = try readBytes(flipped)
        bytes[bytes.count / 2] ^= 0x01
        try writeBytes(bytes, to: flipped)
        try writeBytes(Array(try readBytes(truncated).dropLast(100)), to: truncated)
        try writeBytes(Array("garbage".utf8), to: directory + "/reviews-0~00000000000000000004~a.ckpt")

        let load = try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(load.checkpoint == sampleCheckpoint(id: 1))
        #expect(load.skipped.map(\.error.kind) == [.notACheckpoint, .truncated, .corrupt])
        #expect(load.skipped.map(\.path) == [directory + "/reviews-0~00000000000000000004~a.ckpt", truncated, flipped])
    }

    @Test("A newer file of another format version or topology stops the load instead of falling back")
    func incompatibleStops() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 5, writerID: "a")
        try store.save(sampleCheckpoint(id: 1))
        let newer = try store.save(sampleCheckpoint(id: 2))
        var bytes = try readBytes(newer)
        bytes[8] = 9
        try writeBytes(bytes, to: newer)
        let versionError = #expect(throws: CheckpointError.self) { try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1") }
        #expect(versionError?.kind == .unsupportedVersion)

        try store.save(sampleCheckpoint(id: 3, fingerprint: "topo-2"))
        let topologyError = #expect(throws: CheckpointError.self) { try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1") }
        #expect(topologyError?.kind == .fingerprintMismatch)
    }

    @Test("A file whose contents don't match its name is not trusted")
    func misnamedFile() throws {
        let directory = try temporaryDirectory()
        let store = try DirectoryCheckpointStore(directory: directory, keep: 5, writerID: "a")
        try store.save(sampleCheckpoint(id: 1))
        try writeBytes(try CheckpointFormat.encode(sampleCheckpoint(id: 1)), to: directory + "/reviews-0~00000000000000000009~a.ckpt")
        let load = try store.loadNewest(scope: "reviews-0", fingerprint: "topo-1")
        #expect(load.checkpoint?.id == 1)
        #expect(load.skipped.first?.error.kind == .corrupt)
    }

    @Test("Instances sharing a directory take over each other's scopes, and concurrent writers never damage a file")
    func sharedDirectory() async throws {
        let directory = try temporaryDirectory()
        let first = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "node-a")
        let second = try DirectoryCheckpointStore(directory: directory, keep: 3, writerID: "node-b")
        // Both write the same scopes concurrently (the split-brain worst case) on their own threads.
        let failures = await withTaskGroup(of: [String].self) { group in
            for (store, offset) in [(first, UInt64(0)), (second, UInt64(1000))] {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            var failures: [String] = []
                            for id in 1...20 {
                                for scope in ["p0", "p1"] {
                                    do {
                                        try store.save(sampleCheckpoint(scope: scope, id: offset + UInt64(id), stateSizes: [2000]))
                                    } catch {
                                        failures.append("\(error)")
                                    }
                                }
                            }
                            continuation.resume(returning: failures)
                        }
                    }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty)
        for scope in ["p0", "p1"] {
            let load = try first.loadNewest(scope: scope, fingerprint: "topo-1")
            #expect(load.skipped.isEmpty)
            #expect(load.checkpoint == sampleCheckpoint(scope: scope, id: 1020, stateSizes: [2000]))
            for name in try first.list(scope: scope) {
                #expect(throws: Never.self) { try CheckpointFormat.decode(try readBytes(directory + "/" + name.fileName)) }
            }
        }
        #expect(try files(in: directory).allSatisfy { !$0.hasPrefix(".tmp") })

        // node-b takes over p0 after node-a stops: it continues from the newest checkpoint, whoever wrote it.
        let restored = try #require(try second.loadNewest(scope: "p0", fingerprint: "topo-1").checkpoint)
        try second.save(sampleCheckpoint(scope: "p0", id: restored.id + 1))
        #expect(try first.loadNewest(scope: "p0", fingerprint: "topo-1").checkpoint?.id == 1021)
    }

    @Test("Bad settings are refused with a reason")
    func badSettings() throws {
        let directory = try temporaryDirectory()
        #expect(throws: CheckpointError.self) { try DirectoryCheckpointStore(directory: directory, keep: 0) }
        #expect(throws: CheckpointError.self) { try DirectoryCheckpointStore(directory: directory, writerID: "a/b") }
        try writeBytes([1], to: directory + "/file")
        let notDirectory = #expect(throws: CheckpointError.self) { try DirectoryCheckpointStore(directory: directory + "/file") }
        #expect(notDirectory?.kind == .io)
    }
}
