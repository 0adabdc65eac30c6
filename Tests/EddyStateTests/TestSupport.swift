import EddyCore
import EddyState
import Foundation

/// `count` seeded bytes: every test sees the same bytes on every run.
func randomBytes(_ count: Int, using generator: inout SplitMix64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: generator.next() >> 24) }
    return bytes
}

/// A checkpoint with seeded operator states of the given sizes.
func sampleCheckpoint(
    scope: String = "reviews-0", id: UInt64, fingerprint: String = "topo-1", stateSizes: [Int] = [100, 0, 5000], seed: UInt64 = 1
) -> Checkpoint {
    var generator = SplitMix64(seed: seed &+ id)
    return Checkpoint(
        scope: scope, topologyFingerprint: fingerprint, id: id, createdAtMillis: 1_700_000_000_000 &+ Int64(truncatingIfNeeded: id),
        inputOffsets: [
            InputOffset(topic: "reviews", partition: 0, nextOffset: Int64(truncatingIfNeeded: id) & 0xFFFF_FFFF * 100),
            InputOffset(topic: "clicks", partition: 3, nextOffset: 42),
        ],
        operatorStates: stateSizes.enumerated().map { index, size in
            OperatorState(name: "op\(index)", bytes: randomBytes(size, using: &generator))
        }
    )
}

/// A fresh empty directory under the system's temporary directory.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "eddy-state-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func files(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

func writeBytes(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
