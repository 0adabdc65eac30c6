import EddyCore

/// Run-time conversions for CAST and implicit assignment casts. A string that does not parse
/// becomes NULL.
enum Casts {
    static func compile(_ a: @escaping Evaluator, from: SQLType, to: SQLType) -> Evaluator {
        switch (from.kind, to.kind) {
        case (.integer, .double): return { f in let v = a(f); return v.isNull ? .null : .double(Double(v.int)) }
        case (.double, .integer):
            let range = to.integerRange ?? Int64.min...Int64.max
            return { f in
                let v = a(f)
                guard !v.isNull, v.double.isFinite else { return .null }
                let r = v.double.rounded(.towardZero)
                guard r >= -9.2e18, r <= 9.2e18, range.contains(Int64(r)) else { return .null }
                return .int(Int64(r))
            }
        case (.boolean, .integer): return a
        case (.integer, .boolean): return { f in let v = a(f); return v.isNull ? .null : .bool(v.bits != 0) }
        case (.timestamp, .date): return { f in let v = a(f); return v.isNull ? .null : .int(CivilTime.floorDiv(v.int, CivilTime.millisPerDay)) }
        case (.date, .timestamp): return { f in let v = a(f); return v.isNull ? .null : .int(v.int * CivilTime.millisPerDay) }
        case (.timestamp, .double): return { f in let v = a(f); return v.isNull ? .null : .double(Double(v.int)) }
        case (.string, .string):
            return a
        case (_, .string):
            return { f in
                let v = a(f)
                if v.isNull { return .null }
                let start = f.arena.count
                if from.kind == .string { return v }
                JSONRowEncoder.appendText(v.bits, isNull: false, type: from, arena: f.arena, into: f.arena)
                return Value(bits: StringRef.make(offset: start, length: f.arena.count - start), isNull: false)
            }
        case (.string, _):
            let scratch = Frame(count: 1, arena: ByteArena(capacity: 64))
            return { f in
                let v = a(f)
                if v.isNull { return .null }
                scratch.arena = f.arena
                var bytes = f.arena.bytes(v.bits)
                while let first = bytes.first, first == 0x20 { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst()) }
                while let last = bytes.last, last == 0x20 { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
                do {
                    try SlotConversion.storeText(bytes, type: to, slot: 0, frame: scratch)
                    return Value(bits: scratch.slots[0], isNull: scratch.nulls[0])
                } catch {
                    return .null
                }
            }
        default:
            return a
        }
    }
}
