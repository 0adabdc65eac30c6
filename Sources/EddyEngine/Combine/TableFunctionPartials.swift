import EddyCore
import EddySketches

/// Partial states of the tumbling table functions (DESIGN-6, issue 6 point 3), versioned and
/// validated like snapshot parts:
///
///     "EPTF" · version (UInt8, 1) · function (UInt8: the operator's snapshot kind) · window size (ms)
///     · [TOP_K_ITEMS_TUMBLING: K] · the sketch (DistinctCounter / SpaceSaving bytes, themselves versioned)
///
/// A state of another version, function, window size or K, or a sketch that does not match the
/// pump's configuration, is refused with the reason; nothing is merged from it.
enum TableFunctionPartial {
    static let version: UInt8 = 1

    static func header(kind: UInt8, size: Int64) -> ByteWriter {
        var writer = ByteWriter()
        writer.write(magic: "EPTF")
        writer.write(version)
        writer.write(kind)
        writer.write(size)
        return writer
    }

    static func readHeader(_ reader: inout ByteReader, kind: UInt8, size: Int64, function: String) throws(SketchDecodingError) {
        try reader.expect(magic: "EPTF")
        let storedVersion = try reader.readUInt8("partial version")
        guard storedVersion == version else {
            throw SketchDecodingError("partial state version \(storedVersion) is not supported (this build reads \(version))")
        }
        let storedKind = try reader.readUInt8("function")
        guard storedKind == kind else { throw SketchDecodingError("partial state of another function (kind \(storedKind)), not \(function)") }
        try TumblingTableFunction.checkSize(&reader, size)
    }
}

/// COUNT_DISTINCT_ITEMS_TUMBLING combines by `DistinctCounter.formUnion`: exact while the union of
/// the tasks' items stays within 10,000, identical to one engine's count; past it a HyperLogLog
/// with the same registers as one engine's, estimated from the registers alone (Ertl) where one
/// engine uses HIP, so equal within the sketch's error (≈0.8 % relative standard error at lgK 14).
extension CountDistinctItemsOperator: PartialWindowOperator {
    var openWindowStarts: [Int64] { counters.keys.sorted() }

    func partialState(window start: Int64) -> [UInt8] {
        var writer = TableFunctionPartial.header(kind: snapshotKind, size: size)
        writer.write(bytes: (counters[start] ?? DistinctCounter.kda()).snapshotBytes())
        return writer.bytes
    }

    func checkPartial(_ state: [UInt8]) throws(AccumulatorMergeError) {
        _ = try decodePartial(state)
    }

    func combinePartial(_ state: [UInt8], window start: Int64) throws(AccumulatorMergeError) {
        let part = try decodePartial(state)
        do {
            try counters[start, default: DistinctCounter.kda()].formUnion(part)
        } catch {
            throw AccumulatorMergeError(reason: error.reason)
        }
    }

    func decodePartial(_ state: [UInt8]) throws(AccumulatorMergeError) -> DistinctCounter {
        var reader = ByteReader(state)
        do throws(SketchDecodingError) {
            try TableFunctionPartial.readHeader(&reader, kind: snapshotKind, size: size, function: "COUNT_DISTINCT_ITEMS_TUMBLING")
            let counter = try DistinctCounter(snapshotBytes: try reader.readBytes("distinct counter", max: 1 << 30))
            let expected = DistinctCounter.kda()
            guard counter.exactLimit == expected.exactLimit, counter.lgK == expected.lgK else {
                throw SketchDecodingError("distinct counter (limit \(counter.exactLimit), lgK \(counter.lgK)) is not this pump's "
                    + "(limit \(expected.exactLimit), lgK \(expected.lgK))")
            }
            try reader.expectEnd()
            return counter
        } catch {
            throw AccumulatorMergeError(reason: error.reason)
        }
    }
}

/// TOP_K_ITEMS_TUMBLING combines by `SpaceSaving.merged` over every task's summary of the window
/// at once: exact (same items, counts and order as one engine) while the window's distinct items fit
/// the summary's capacity (max(10·K, 100)); past it every reported count stays an upper bound of
/// the true count, at most N / capacity above it (N: the window's records), as one engine's are.
extension TopKItemsOperator: PartialWindowOperator {
    var openWindowStarts: [Int64] { summaries.keys.sorted() }

    func partialState(window start: Int64) -> [UInt8] {
        var writer = TableFunctionPartial.header(kind: snapshotKind, size: size)
        writer.write(k)
        writer.write(bytes: (summaries[start] ?? SpaceSaving<String>.forTopK(k)).serialized())
        return writer.bytes
    }

    func checkPartial(_ state: [UInt8]) throws(AccumulatorMergeError) {
        _ = try decodePartial(state)
    }

    /// Merges the new part with every part of the window received so far (and the window's own
    /// summary when this engine counted records into it before the first part), all at once.
    func combinePartial(_ state: [UInt8], window start: Int64) throws(AccumulatorMergeError) {
        let part = try decodePartial(state)
        var parts = combining[start] ?? summaries[start].map { [$0] } ?? []
        if let merged = summaries[start], combining[start] != nil, merged.totalWeight != parts.reduce(0, { $0 &+ $1.totalWeight }) {
            throw AccumulatorMergeError(reason: "records were counted into the window at \(start) while it was being combined")
        }
        parts.append(part)
        do {
            summaries[start] = try SpaceSaving.merged(parts)
        } catch {
            throw AccumulatorMergeError(reason: error.reason)
        }
        combining[start] = parts
    }

    func decodePartial(_ state: [UInt8]) throws(AccumulatorMergeError) -> SpaceSaving<String> {
        var reader = ByteReader(state)
        do throws(SketchDecodingError) {
            try TableFunctionPartial.readHeader(&reader, kind: snapshotKind, size: size, function: "TOP_K_ITEMS_TUMBLING")
            let storedK = try reader.readInt("k")
            guard storedK == k else { throw SketchDecodingError("top-K of \(storedK), this pump's K is \(k)") }
            let bytes = try reader.readBytes("top-K summary", max: 1 << 30)
            // The capacity first (in version 1 it follows magic and version): decoding reserves room
            // for that many counters, so a corrupt capacity must not get that far.
            var header = ByteReader(bytes)
            try header.expect(magic: "ESSK")
            let capacity = SpaceSaving<String>.forTopK(k).capacity
            if try header.readUInt8("version") == 1 {
                let storedCapacity = try header.readInt("capacity")
                guard storedCapacity == capacity else {
                    throw SketchDecodingError("top-K summary capacity \(storedCapacity) does not match this pump's \(capacity)")
                }
            }
            let summary = try SpaceSaving<String>(serialized: bytes)
            guard summary.capacity == capacity else {
                throw SketchDecodingError("top-K summary capacity \(summary.capacity) does not match this pump's \(capacity)")
            }
            try summary.checkBuiltByInserts()
            try reader.expectEnd()
            return summary
        } catch {
            throw AccumulatorMergeError(reason: error.reason)
        }
    }
}
