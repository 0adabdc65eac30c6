// Checkpoint store throughput for a 4 MB checkpoint (about one 100-tree RCF forest), against plain
// POSIX file I/O of the same bytes measured in the same run: the ratio is what the container, the
// checksums and the durability steps cost. Run with `swift run -c release StateBench [directory]`;
// `swift run -c release StateBench engine [records]` measures the engine snapshot of reviews.sql instead.
import EddyState
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "engine" {
    // `StateBench engine [records]`: the engine snapshot of reviews.sql (see EngineSnapshotBench).
    let records = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 20_000 : 20_000
    do {
        try EngineSnapshotBench.run(records: records, directory: "/tmp/eddy-statebench-engine-\(getpid())")
        exit(0)
    } catch {
        print("StateBench engine failed: \(error)")
        exit(1)
    }
}

let stateBytes = 4 * 1024 * 1024
let rounds = 12
let state = seededBytes(stateBytes)
let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/tmp/eddy-statebench-\(getpid())"

/// Seeded pseudo-random bytes: incompressible, like a serialized forest's floating-point samples.
func seededBytes(_ count: Int) -> [UInt8] {
    var seed: UInt64 = 0x5EED
    var bytes = [UInt8](repeating: 0, count: count)
    for index in bytes.indices {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[index] = UInt8(truncatingIfNeeded: seed >> 33)
    }
    return bytes
}

func checkpoint(_ id: UInt64, state: [UInt8]) -> Checkpoint {
    Checkpoint(
        scope: "bench-0", topologyFingerprint: "bench", id: id, createdAtMillis: 0,
        inputOffsets: [InputOffset(topic: "in", partition: 0, nextOffset: Int64(id))],
        operatorStates: [OperatorState(name: "forest", bytes: state)]
    )
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func megabytesPerSecond(_ bytes: Int, _ time: Double) -> Double { Double(bytes) / 1_048_576 / time }

/// The reference: write, fsync, rename and fsync the directory, with no encoding or checksums.
func plainWrite(_ bytes: [UInt8], _ path: String, directory: String) {
    let temporary = path + ".tmp"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(descriptor >= 0, "cannot write \(temporary)")
    bytes.withUnsafeBytes { raw in
        var written = 0
        while written < raw.count { written += write(descriptor, raw.baseAddress! + written, raw.count - written) }
    }
    fsync(descriptor)
    close(descriptor)
    rename(temporary, path)
    let directoryDescriptor = open(directory, O_RDONLY)
    fsync(directoryDescriptor)
    close(directoryDescriptor)
}

func plainRead(_ path: String, into buffer: inout [UInt8]) {
    let descriptor = open(path, O_RDONLY)
    buffer.withUnsafeMutableBytes { raw in
        var total = 0
        while total < raw.count {
            let count = read(descriptor, raw.baseAddress! + total, raw.count - total)
            if count <= 0 { break }
            total += count
        }
    }
    close(descriptor)
}

do {
    let store = try DirectoryCheckpointStore(directory: directory, keep: 2, writerID: "bench")
    let encoded = try CheckpointFormat.encode(checkpoint(0, state: state))
    let referencePath = directory + "/reference.bin"
    var buffer = [UInt8](repeating: 0, count: encoded.count)

    var storeWrite = 0.0, plainWriteTime = 0.0, storeRead = 0.0, plainReadTime = 0.0
    var chunkTime = 0.0, assembleTime = 0.0
    let chunker = try ChangelogChunker(maxMessageBytes: 1_000_000)
    for round in 1...rounds {
        let snapshot = checkpoint(UInt64(round), state: state)
        storeWrite += try seconds { try store.save(snapshot) }
        plainWriteTime += seconds { plainWrite(encoded, referencePath, directory: directory) }
        var loaded: Checkpoint?
        storeRead += try seconds { loaded = try store.loadNewest(scope: "bench-0", fingerprint: "bench").checkpoint }
        precondition(loaded == snapshot, "the store did not give back what it saved")
        plainReadTime += seconds { plainRead(referencePath, into: &buffer) }
        var messages: [ChangelogMessage] = []
        chunkTime += try seconds { messages = try chunker.messages(for: snapshot) }
        var restored: Checkpoint?
        assembleTime += try seconds {
            var assembler = ChangelogAssembler()
            assembler.add(contentsOf: messages)
            restored = try assembler.newest(scope: "bench-0", fingerprint: "bench").checkpoint
        }
        precondition(restored == snapshot, "the changelog did not give back what was chunked")
    }
    let total = encoded.count * rounds
    print("StateBench: \(rounds) rounds of a \(encoded.count)-byte checkpoint in \(directory)")
    let write = megabytesPerSecond(total, storeWrite), plainW = megabytesPerSecond(total, plainWriteTime)
    let readMB = megabytesPerSecond(total, storeRead), plainR = megabytesPerSecond(total, plainReadTime)
    print("  save (encode, CRC32C, write, fsync, rename, fsync dir, prune): \(Int(write)) MB/s; plain write+fsync+rename: \(Int(plainW)) MB/s; ratio \(((write / plainW) * 100).rounded() / 100)")
    print("  load (read, verify, decode): \(Int(readMB)) MB/s; plain read: \(Int(plainR)) MB/s; ratio \(((readMB / plainR) * 100).rounded() / 100)")
    print("  changelog: chunk \(Int(megabytesPerSecond(total, chunkTime))) MB/s, reassemble+verify \(Int(megabytesPerSecond(total, assembleTime))) MB/s (\(try chunker.messages(for: checkpoint(0, state: state)).count) chunks of ≤1 MB)")
    print("  per checkpoint: save \(Int(storeWrite / Double(rounds) * 1000)) ms, load \(Int(storeRead / Double(rounds) * 1000)) ms")
    for name in try store.list(scope: "bench-0") { unlink(directory + "/" + name.fileName) }
    unlink(referencePath)
    rmdir(directory)
} catch {
    print("StateBench failed: \(error)")
    exit(1)
}
