import EddyEngine
import EddySketches
import EddySQL
import EddyState
import EddyWorkload
import Foundation

/// `StateBench engine [records]`: the engine snapshot of topologies/reviews.sql (per-category RCF
/// forests of 100 trees × 256 samples included) after `records` generated reviews: its size,
/// snapshot and restore time, and saving it through the checkpoint store. Reference, measured in
/// the same run: the time the engine took to process those records, and a plain copy of the bytes.
enum EngineSnapshotBench {
    static func run(records: Int, directory: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("topologies/reviews.sql").path
        let topology = try Analyzer.analyze(text: try String(contentsOfFile: path, encoding: .utf8), name: "reviews")
        let engine = try Engine(topology: topology, trackCommitOffsets: true)
        let source = engine.sourceIndex(named: "SOURCE_SQL_STREAM_001")!
        var generator = ReviewGenerator(seed: 7, startEventTimeMillis: 1_795_496_400_000, eventsPerSecond: 100, anomalies: nil)
        let messages = (0..<records).map { _ in generator.next().value }
        let processing = seconds {
            for (i, message) in messages.enumerated() {
                message.withUnsafeBytes {
                    engine.process(source: source, partition: Int32(i % 3), offset: Int64(i / 3), timestamp: 0, value: $0, origin: RecordOrigin(topic: "reviews"))
                }
                if i & 1023 == 0 { for output in engine.outputs { output.removeAll() } }
            }
            for output in engine.outputs { output.removeAll() }
        }
        var bytes: [UInt8] = []
        var snapshotTime = Double.infinity, restoreTime = Double.infinity, copyTime = Double.infinity
        for _ in 0..<3 {
            snapshotTime = min(snapshotTime, seconds { bytes = engine.snapshot() })
            let fresh = try Engine(topology: topology, trackCommitOffsets: true)
            restoreTime = try min(restoreTime, seconds { try fresh.restore(from: bytes) })
            precondition(fresh.snapshot() == bytes, "restore did not reproduce the snapshot")
            var copy: [UInt8] = []
            copyTime = min(copyTime, seconds { copy = Array(bytes); copy[0] ^= 1 })
            precondition(copy.count == bytes.count)
        }
        let forest = try singleForest(records: records)
        let store = try DirectoryCheckpointStore(directory: directory, keep: 1, writerID: "bench")
        let checkpoint = Checkpoint(scope: "reviews-single", topologyFingerprint: engine.stateFingerprint, id: 1, createdAtMillis: 0,
                                    inputOffsets: [InputOffset(topic: "reviews", partition: 0, nextOffset: Int64(records))],
                                    operatorStates: [OperatorState(name: "engine", bytes: bytes)])
        let saveTime = try seconds { try store.save(checkpoint) }
        var loaded: Checkpoint?
        let loadTime = try seconds { loaded = try store.loadNewest(scope: "reviews-single", fingerprint: engine.stateFingerprint).checkpoint }
        precondition(loaded == checkpoint, "the store did not give back what it saved")
        for name in try store.list(scope: "reviews-single") { unlink(directory + "/" + name.fileName) }
        rmdir(directory)

        let mb = Double(bytes.count) / 1_048_576
        print("StateBench engine: reviews.sql after \(records) generated reviews (3 partitions), release build")
        print(String(format: "  snapshot: %d bytes (%.1f MiB); state size estimate %d bytes", bytes.count, mb, engine.stateSizeEstimate))
        print(String(format: "  one RCF forest, 100 trees × 256 samples, 3 features, shingle 1, after %d points: %d bytes (%.2f MiB)",
                     records, forest, Double(forest) / 1_048_576))
        print(String(format: "  snapshot() %.1f ms (%.0f MB/s), restore %.1f ms (%.0f MB/s); plain copy of the bytes %.2f ms: ratio snapshot/copy %.0f×",
                     snapshotTime * 1000, mb / snapshotTime, restoreTime * 1000, mb / restoreTime, copyTime * 1000, snapshotTime / copyTime))
        print(String(format: "  processing the %d records took %.0f ms: one snapshot costs %.1f%% of that",
                     records, processing * 1000, snapshotTime / processing * 100))
        print(String(format: "  checkpoint store: save (fsync'd) %.1f ms, load %.1f ms", saveTime * 1000, loadTime * 1000))
    }

    /// Serialized size of one reviews-sized forest fed `records` points (the forest's arrays are
    /// allocated up front, so the size does not grow once the reservoirs are full).
    static func singleForest(records: Int) throws -> Int {
        var forest = try RandomCutForest(configuration: try ForestConfiguration.kda(inputDimensions: 3, seed: 1))
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for _ in 0..<records {
            _ = try forest.process([Double(next() % 5), Double(next() % 1000) / 1000, Double(next() % 400)])
        }
        return forest.serialized().count
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
