extension HyperLogLog {
    /// Serializes the sketch, including its HIP state, so a restored sketch estimates exactly as before.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 32 + (isSparse ? sparse.count * 5 : registers.count))
        writer.write(magic: "EHLL")
        writer.write(UInt8(1))
        writer.write(UInt8(lgK))
        writer.write(isSparse)
        writer.write(hipIsValid)
        writer.write(hipEstimate)
        if isSparse {
            writer.write(sparse.count)
            for key in sparse.keys.sorted() {
                writer.write(key)
                writer.write(sparse[key]!)
            }
        } else {
            writer.write(bytes: registers)
        }
        return writer.bytes
    }

    /// Restores a sketch written by `serialized()`.
    public init(serialized bytes: [UInt8]) throws(SketchDecodingError) {
        var reader = ByteReader(bytes)
        try reader.expect(magic: "EHLL")
        let version = try reader.readUInt8("version")
        guard version == 1 else { throw SketchDecodingError("HyperLogLog version \(version) is not supported") }
        let lgK = Int(try reader.readUInt8("lgK"))
        do {
            self = try HyperLogLog(lgK: lgK)
        } catch {
            throw SketchDecodingError(error.reason)
        }
        let sparseMode = try reader.readBool("mode")
        hipIsValid = try reader.readBool("hip flag")
        hipEstimate = try reader.readDouble("hip estimate")
        guard hipEstimate.isFinite, hipEstimate >= 0 else { throw SketchDecodingError("HIP estimate \(hipEstimate)") }
        let maxRank = UInt8(64 - lgK + 1)
        if sparseMode {
            let count = try reader.readCount("sparse entries", max: sparseLimit)
            sparse.reserveCapacity(count)
            for _ in 0..<count {
                let key = try reader.readUInt32("sparse key")
                let rank = try reader.readUInt8("sparse rank")
                guard key < (1 << UInt32(Self.sparsePrecision)), rank >= 1, rank <= UInt8(64 - Self.sparsePrecision + 1) else {
                    throw SketchDecodingError("sparse entry \(key):\(rank) out of range")
                }
                sparse[key] = rank
            }
        } else {
            let regs = try reader.readBytes("registers", max: 1 << lgK)
            guard regs.count == 1 << lgK else {
                throw SketchDecodingError("expected \(1 << lgK) registers, found \(regs.count)")
            }
            if let bad = regs.first(where: { $0 > maxRank }) {
                throw SketchDecodingError("register value \(bad) exceeds \(maxRank)")
            }
            registers = regs
            recomputeInverseProbabilitySum()
        }
        try reader.expectEnd()
    }
}
