import EddyCore
import Testing

/// The word-at-a-time paths of the JSON decoder and the character count: they must agree with the
/// byte-by-byte definitions at every alignment and length.
@Suite struct DecoderFastPathTests {
    /// Byte-by-byte reference: every byte that is not a continuation byte starts a scalar.
    static func referenceCount(_ bytes: [UInt8]) -> Int { bytes.filter { $0 & 0xC0 != 0x80 }.count }

    @Test func scalarCountMatchesTheDefinitionAtEveryLengthAndOffset() {
        // ASCII, 2-, 3- and 4-byte sequences, so sequences straddle 8-byte words at every offset.
        let text = Array("aé€😀bcdéé€€😀😀xyz0123456789".utf8)
        for start in 0..<text.count {
            for end in start...text.count {
                let slice = Array(text[start..<end])
                let counted = slice.withUnsafeBytes { UTF8Validation.scalarCount($0) }
                #expect(counted == Self.referenceCount(slice), "bytes \(start)..<\(end)")
            }
        }
        #expect(UTF8Validation.scalarCount(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
    }

    func decode(_ json: String, _ schema: Schema) throws(DecodeError) -> Frame {
        let frame = Frame(count: schema.count, arena: ByteArena(capacity: 64))
        let decoder = JSONRecordDecoder(schema: schema)
        let bytes = Array(json.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try decoder.decode(UnsafeRawBufferPointer(buffer), into: frame)
        return frame
    }

    @Test func varcharLimitCountsCharactersNotBytes() throws {
        let schema = Schema([Column(name: "T", type: .varchar(4), path: ["t"])])
        // Four characters in twelve bytes fit VARCHAR(4)...
        let frame = try decode(#"{"t":"€€€€"}"#, schema)
        #expect(frame.arena.string(frame.slots[0]) == "€€€€")
        // ...five do not, whether the bytes are few or many.
        #expect(throws: DecodeError.self) { _ = try decode(#"{"t":"abcde"}"#, schema) }
        do {
            _ = try decode(#"{"t":"€€€€€"}"#, schema)
            Issue.record("five characters were accepted as VARCHAR(4)")
        } catch {
            #expect(error.category == .overlongString)
            #expect(error.reason.contains("5 characters"))
        }
    }

    @Test func keysMatchOnlyWhenEveryByteMatches() throws {
        // Keys longer than a word that differ only in their last byte, or only in their first word.
        let schema = Schema([
            Column(name: "A", type: .integer, path: ["product_category_1"]),
            Column(name: "B", type: .integer, path: ["product_category_2"]),
            Column(name: "C", type: .integer, path: ["xroduct_category_1"]),
        ])
        let frame = try decode(#"{"xroduct_category_1":3,"product_category_2":2,"product_category_3":9,"product_category_1":1}"#, schema)
        #expect(frame.int(0) == 1)
        #expect(frame.int(1) == 2)
        #expect(frame.int(2) == 3)
    }
}
