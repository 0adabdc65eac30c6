import EddyCore
import EddyState
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("Matches the published check value and RFC 3720 vectors")
    func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test("Continuing over split input equals one pass, at every split point")
    func continuation() {
        var generator = SplitMix64(seed: 7)
        let bytes = randomBytes(67, using: &generator)
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(Array(bytes[..<split]))
            let both = Array(bytes[split...]).withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(both == whole)
        }
    }
}
