import EddyCore
import EddySketches

/// COUNT_DISTINCT_ITEMS_TUMBLING: each open window's start and distinct counter, oldest first.
extension CountDistinctItemsOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 4 }

    func writeState(into writer: inout ByteWriter) {
        writer.write(size)
        let starts = counters.keys.sorted()
        writer.write(starts.count)
        for start in starts {
            writer.write(start)
            writer.write(bytes: counters[start]!.snapshotBytes())
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            try Self.checkSize(&r, size)
            let count = try r.readCount("open windows", max: 1 << 24)
            var restored: [Int64: DistinctCounter] = [:]
            for _ in 0..<count {
                let start = Int64(try r.readInt("window start"))
                let counter = try DistinctCounter(snapshotBytes: try r.readBytes("distinct counter", max: 1 << 30))
                guard restored.updateValue(counter, forKey: start) == nil else { throw SketchDecodingError("window \(start) appears twice") }
            }
            return { self.counters = restored }
        }
    }

    var stateBytes: Int { counters.values.reduce(0) { $0 + ($1.isExact ? Int($1.count) * 16 : (1 << $1.lgK)) } }
}

/// TOP_K_ITEMS_TUMBLING: each open window's start and Space-Saving summary, oldest first.
extension TopKItemsOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 5 }

    func writeState(into writer: inout ByteWriter) {
        writer.write(size)
        writer.write(k)
        let starts = summaries.keys.sorted()
        writer.write(starts.count)
        for start in starts {
            writer.write(start)
            writer.write(bytes: summaries[start]!.serialized())
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            try Self.checkSize(&r, size)
            let storedK = try r.readInt("k")
            guard storedK == k else { throw SketchDecodingError("top-K of \(storedK), this pump's K is \(k)") }
            let count = try r.readCount("open windows", max: 1 << 24)
            var restored: [Int64: SpaceSaving<String>] = [:]
            for _ in 0..<count {
                let start = Int64(try r.readInt("window start"))
                let summary = try SpaceSaving<String>(serialized: try r.readBytes("top-K summary", max: 1 << 30))
                guard summary.capacity == SpaceSaving<String>.forTopK(k).capacity else {
                    throw SketchDecodingError("top-K summary capacity \(summary.capacity) does not match K \(k)")
                }
                guard restored.updateValue(summary, forKey: start) == nil else { throw SketchDecodingError("window \(start) appears twice") }
            }
            return {
                self.summaries = restored
                self.combining = [:] // a restored window's summary counts as one part if a combine continues
            }
        }
    }

    var stateBytes: Int { summaries.values.reduce(0) { $0 + $1.monitoredCount * 64 } }
}

extension TumblingTableFunction {
    static func checkSize(_ r: inout ByteReader, _ size: Int64) throws(SketchDecodingError) {
        let stored = Int64(try r.readInt("window size"))
        guard stored == size else { throw SketchDecodingError("window size \(stored) ms, this pump's \(size) ms") }
    }
}

/// HOTSPOTS: the detector's window of recent points.
extension HotspotsOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 6 }

    func writeState(into writer: inout ByteWriter) {
        writer.write(bytes: detector.snapshotBytes())
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            var restored = detector
            try restored.restore(snapshotBytes: try r.readBytes("hotspots window", max: 1 << 30))
            return { self.detector = restored }
        }
    }

    var stateBytes: Int { detector.windowSize * detector.dimensions * 8 }
}

/// RANDOM_CUT_FOREST[_WITH_EXPLANATION]: the watermark keys expire by, the PARTITION_BY key table
/// (empty without PARTITION_BY) and every forest (trees, reservoirs, shingle, generators, point
/// store) in key order of arrival, with each key's last rowtime; a key refused for lack of room has
/// none. Expired keys are dropped and the table compacted first, so the bytes depend only on the
/// keys later rows can still reach.
extension RandomCutForestOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 7 }

    func writeState(into writer: inout ByteWriter) {
        if partitionColumn != nil {
            scan()
            compact()
        }
        writer.write(expiry.watermark)
        keys.write(into: &writer)
        writer.write(forests.count)
        for (index, forest) in forests.enumerated() {
            if let forest { writer.write(true); writer.write(bytes: forest.serialized()) } else { writer.write(false) }
            if partitionColumn != nil { writer.write(lastSeen[index]) }
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let watermark = Int64(try r.readInt("watermark"))
            let restoredKeys = try GroupTable.read(from: &r, stateWords: keys.stateWords)
            let count = try r.readCount("forest count", max: Self.maximumKeys + (1 << 24))
            let expected = partitionColumn == nil ? 1 : restoredKeys.count
            guard count == expected else { throw SketchDecodingError("\(count) forests for \(expected) keys") }
            var restored: [RandomCutForest?] = []
            var restoredLastSeen: [Int64] = []
            for _ in 0..<count {
                let hasForest = try r.readBool("forest flag")
                let forest: RandomCutForest? = try hasForest ? readForest(&r) : nil
                if partitionColumn != nil { restoredLastSeen.append(Int64(try r.readInt("last rowtime"))) }
                restored.append(forest)
            }
            guard restored.count(where: { $0 != nil }) <= Self.maximumKeys else {
                throw SketchDecodingError("more forests than the limit of \(Self.maximumKeys)")
            }
            return {
                self.keys.replaceContents(with: restoredKeys)
                self.forests = restored
                self.lastSeen = restoredLastSeen
                self.liveForests = self.partitionColumn == nil ? 0 : restored.count(where: { $0 != nil })
                self.expiry.advance(to: watermark)
                self.expiry.oldest = restoredLastSeen.min() ?? .max
            }
        }
    }

    func readForest(_ r: inout ByteReader) throws(SketchDecodingError) -> RandomCutForest {
        let forest = try RandomCutForest(serialized: try r.readBytes("forest", max: 1 << 40))
        let c = forest.configuration
        guard c.inputDimensions == configuration.inputDimensions, c.shingleSize == configuration.shingleSize,
              c.numberOfTrees == configuration.numberOfTrees, c.sampleSize == configuration.sampleSize else {
            throw SketchDecodingError("forest of \(c.numberOfTrees) trees × \(c.sampleSize) samples over \(c.inputDimensions)×\(c.shingleSize)"
                + " values does not match this pump's \(configuration.numberOfTrees) × \(configuration.sampleSize)"
                + " over \(configuration.inputDimensions)×\(configuration.shingleSize)")
        }
        return forest
    }

    var stateBytes: Int { keys.stateBytes + forests.reduce(0) { $0 + ($1?.memoryBytes ?? 0) } }
}

/// ANOMALY_ALERTS: the watermark keys expire by, the keyed adaptive thresholds and cool-downs
/// (EddySketches' snapshots, keys in recency order) and the keys' display names and last rowtimes,
/// sorted by key hash. Expired keys and names of keys without state are dropped first, so the bytes
/// depend only on what later rows can still reach.
extension AnomalyAlertsOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 8 }

    func writeState(into writer: inout ByteWriter) {
        scan()
        writer.write(expiry.watermark)
        writer.write(bytes: thresholds.snapshot())
        writer.write(bytes: cooldowns.snapshot())
        let hashes = keys.keys.sorted()
        writer.write(hashes.count)
        for hash in hashes {
            writer.write(hash)
            writer.write(bytes: Array(keys[hash]!.name.utf8))
            writer.write(keys[hash]!.lastSeen)
        }
    }

    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let watermark = Int64(try r.readInt("watermark"))
            let thresholdBytes = try r.readBytes("thresholds", max: 1 << 30), cooldownBytes = try r.readBytes("cool-downs", max: 1 << 30)
            let restoredThresholds: KeyedAdaptiveThresholds<UInt64>, restoredCooldowns: KeyedAlertCooldowns<UInt64>
            do throws(StateRestoreError) {
                restoredThresholds = try KeyedAdaptiveThresholds(snapshot: thresholdBytes)
                restoredCooldowns = try KeyedAlertCooldowns(snapshot: cooldownBytes)
            } catch {
                throw SketchDecodingError(error.reason)
            }
            guard restoredThresholds.configuration == thresholds.configuration, restoredThresholds.maximumKeys == thresholds.maximumKeys,
                  restoredCooldowns.cooldownMilliseconds == cooldowns.cooldownMilliseconds, restoredCooldowns.maximumKeys == cooldowns.maximumKeys else {
                throw SketchDecodingError("alert rule (k, warm-up, half-life, tail, cool-down) differs from this pump's")
            }
            let count = try r.readCount("key names", max: 1 << 24)
            var restoredKeys: [UInt64: KeyState] = [:]
            for _ in 0..<count {
                let hash = try r.readUInt64("key hash")
                let bytes = try r.readBytes("key name", max: 1 << 20)
                guard let name = String(validating: bytes, as: UTF8.self) else { throw SketchDecodingError("a key name is not UTF-8") }
                restoredKeys[hash] = KeyState(name: name, lastSeen: Int64(try r.readInt("last rowtime")))
            }
            return {
                self.thresholds = restoredThresholds
                self.cooldowns = restoredCooldowns
                self.keys = restoredKeys
                self.expiry.advance(to: watermark)
                self.expiry.oldest = restoredKeys.values.map(\.lastSeen).min() ?? .max
            }
        }
    }

    var stateBytes: Int { (thresholds.keyCount + cooldowns.keyCount) * 64 + keys.values.reduce(0) { $0 + 32 + $1.name.utf8.count } }
}
