import EddyState
import Testing

@Suite("Checkpoint format")
struct CheckpointFormatTests {
    @Test("Encoding then decoding gives back the same checkpoint")
    func roundTrip() throws {
        for checkpoint in [sampleCheckpoint(id: 7), sampleCheckpoint(id: 0, stateSizes: []), sampleCheckpoint(id: .max, stateSizes: [1])] {
            let bytes = try CheckpointFormat.encode(checkpoint)
            #expect(try CheckpointFormat.decode(bytes) == checkpoint)
            #expect(try CheckpointFormat.decode(bytes, expecting: checkpoint.topologyFingerprint) == checkpoint)
        }
    }

    @Test("A flipped byte anywhere is detected, never decoded")
    func flippedBytes() throws {
        let bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3, stateSizes: [64, 32]))
        for position in 0..<bytes.count {
            var damaged = bytes
            damaged[position] ^= 0x10
            #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(damaged) }
        }
    }

    @Test("A damaged state names its operator")
    func damagedStateNamed() throws {
        var bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3, stateSizes: [64, 32]))
        bytes[bytes.count - 1] ^= 0xFF
        let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(bytes) }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("'op1'") == true)
    }

    @Test("Every truncation is reported as truncated or corrupt")
    func truncations() throws {
        let bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3, stateSizes: [40, 20]))
        for length in 0..<bytes.count {
            let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(Array(bytes[..<length])) }
            #expect([.truncated, .corrupt].contains(error?.kind))
        }
        let cutInState = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(Array(bytes.dropLast(5))) }
        #expect(cutInState?.kind == .truncated)
    }

    @Test("Extra bytes after the states are corruption")
    func trailingBytes() throws {
        let bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3))
        let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(bytes + [0]) }
        #expect(error?.kind == .corrupt)
    }

    @Test("Another format version is refused with a clear error")
    func versionMismatch() throws {
        var bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3))
        bytes[8] = 2
        let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(bytes, source: "f.ckpt") }
        #expect(error?.kind == .unsupportedVersion)
        #expect(error?.message.contains("version 2") == true)
        #expect(error?.message.contains("f.ckpt") == true)
    }

    @Test("Other files are not checkpoints")
    func wrongMagic() {
        let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(Array("{\"json\": true}".utf8)) }
        #expect(error?.kind == .notACheckpoint)
        let empty = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode([]) }
        #expect(empty?.kind == .truncated)
    }

    @Test("A checkpoint of another topology is refused")
    func fingerprintMismatch() throws {
        let bytes = try CheckpointFormat.encode(sampleCheckpoint(id: 3, fingerprint: "old"))
        let error = #expect(throws: CheckpointError.self) { try CheckpointFormat.decode(bytes, expecting: "new") }
        #expect(error?.kind == .fingerprintMismatch)
    }

    @Test("Duplicate operators or partitions, and unsafe scopes, are rejected on encode")
    func invalidInput() {
        var duplicateState = sampleCheckpoint(id: 1)
        duplicateState.operatorStates.append(OperatorState(name: "op0", bytes: []))
        #expect(throws: CheckpointError(kind: .invalidArgument, message: "operator state 'op0' appears twice in checkpoint 1")) {
            try CheckpointFormat.encode(duplicateState)
        }
        var duplicateOffset = sampleCheckpoint(id: 1)
        duplicateOffset.inputOffsets.append(InputOffset(topic: "clicks", partition: 3, nextOffset: 1))
        #expect(throws: CheckpointError.self) { try CheckpointFormat.encode(duplicateOffset) }
        for scope in ["", "../etc", "a/b", ".hidden", "a~b"] {
            #expect(throws: CheckpointError.self) { try CheckpointFormat.encode(sampleCheckpoint(scope: scope, id: 1)) }
        }
    }
}
