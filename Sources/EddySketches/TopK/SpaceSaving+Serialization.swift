/// An item type that a `SpaceSaving` summary can write to bytes and read back.
public protocol SpaceSavingItemCodable: Hashable, Sendable {
    func encode(into bytes: inout [UInt8])
    static func decode(from bytes: ArraySlice<UInt8>) throws(SketchDecodingError) -> Self
}

extension String: SpaceSavingItemCodable {
    public func encode(into bytes: inout [UInt8]) { bytes.append(contentsOf: utf8) }
    public static func decode(from bytes: ArraySlice<UInt8>) throws(SketchDecodingError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw SketchDecodingError("item is not valid UTF-8")
        }
        return string
    }
}

extension Int64: SpaceSavingItemCodable {
    public func encode(into bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: self >> Int64(shift))) }
    }
    public static func decode(from bytes: ArraySlice<UInt8>) throws(SketchDecodingError) -> Int64 {
        guard bytes.count == 8 else { throw SketchDecodingError("Int64 item has \(bytes.count) bytes") }
        var value: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { value |= UInt64(byte) << UInt64(8 * shift) }
        return Int64(bitPattern: value)
    }
}

extension SpaceSaving where Item: SpaceSavingItemCodable {
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(magic: "ESSK")
        writer.write(UInt8(1))
        writer.write(capacity)
        writer.write(totalWeight)
        writer.write(nextArrival)
        writer.write(items.count)
        var scratch: [UInt8] = []
        for slot in 0..<items.count {
            scratch.removeAll(keepingCapacity: true)
            items[slot].encode(into: &scratch)
            writer.write(bytes: scratch)
            writer.write(counts[slot])
            writer.write(errors[slot])
            writer.write(arrival[slot])
        }
        return writer.bytes
    }

    public init(serialized bytes: [UInt8]) throws(SketchDecodingError) {
        var reader = ByteReader(bytes)
        try reader.expect(magic: "ESSK")
        let version = try reader.readUInt8("version")
        guard version == 1 else { throw SketchDecodingError("Space-Saving version \(version) is not supported") }
        let capacity = try reader.readCount("capacity", max: 1 << 24)
        do { self = try SpaceSaving(capacity: capacity) } catch { throw SketchDecodingError(error.reason) }
        let total = try reader.readInt("total weight")
        let next = try reader.readUInt64("next arrival")
        let count = try reader.readCount("counter count", max: capacity)
        for _ in 0..<count {
            let encoded = try reader.readBytes("item", max: bytes.count)
            let item = try Item.decode(from: encoded[...])
            let itemCount = Int64(try reader.readInt("count"))
            let error = Int64(try reader.readInt("error"))
            let seq = try reader.readUInt64("arrival")
            guard itemCount >= 1, error >= 0, error < itemCount, entryOf[IndexKey(item)] == nil else {
                throw SketchDecodingError("counter \(itemCount) with error \(error) is inconsistent or duplicated")
            }
            appendCounter(item, count: itemCount, error: error, arrival: seq)
        }
        // Written in heap order; check rather than trust it.
        for child in 1..<max(1, items.count) where counts[(child - 1) / 2] > counts[child] {
            throw SketchDecodingError("counters are not in heap order")
        }
        totalWeight = Int64(total)
        nextArrival = next
        try reader.expectEnd()
    }
}
