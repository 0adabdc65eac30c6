import EddySQL
import EddySketches

/// Engine-wide snapshot and restore (issue 6, checkpoints).
///
/// Layout (little-endian): magic `EDDYSNAP`, format version (UInt32), the topology fingerprint
/// (length-prefixed UTF-8), body length (UInt64), body, then a StableHash64 checksum of everything
/// before it. The body is the engine section (watermark, clocks, counters), one section per source
/// (partition clocks), the commit tracker, then one section per operator in execution order, each
/// tagged with its kind and pump name and length-prefixed. Dictionaries are written in key order,
/// so equal states give equal bytes: a restored engine fed the same records ends with the same
/// snapshot as one that never stopped, which is how order-dependent state (RCF) is checked.
extension Engine {
    static let snapshotMagic: StaticString = "EDDYSNAP"
    /// 2: sliding windows, per-key forests and alerts store the watermark their keys expire by and
    /// each key's last rowtime, and keyed sections hold only live keys (issue 6, bounded state).
    /// Version 1 snapshots are refused with `unsupportedVersion`: they lack the keys' last rowtimes.
    public static let snapshotFormatVersion: UInt32 = 2

    /// Hex digest of the analyzed plan (streams, schemas, bindings, pumps, options), stored with
    /// every snapshot. Source locations are left out, so editing comments or layout keeps state.
    public var stateFingerprint: String { Self.fingerprint(of: topology) }

    static func fingerprint(of topology: Topology) -> String {
        var text = "eddy-plan-v1\u{1}\(topology.name)\u{1}"
        for stream in topology.streams {
            let b = stream.binding
            text += "S\(stream.name)|\(stream.isSource)|\(stream.isSystem)|\(stream.schema.columns.map { "\($0.name):\($0.type):\($0.path)" })"
            text += "|\(b.topic ?? "-")|\(b.format)|\(b.rowtimeColumn ?? -1)|\(b.latenessMillis)|\(b.idleTimeoutMillis ?? -1)"
            text += "|\(b.keyColumns ?? [])|\(b.partitions ?? -1)\u{1}"
        }
        for pump in topology.pumps {
            text += "P\(pump.name)|\(pump.source)|\(pump.target)|\(String(describing: pump.filter))|\(String(describing: pump.shape))"
            text += "|\(String(describing: pump.outputs))\u{1}"
        }
        let high = StableHash64.hash(text, seed: 0x6564_6479), low = StableHash64.hash(text, seed: 0x736e_6170)
        return hex(high) + hex(low)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Every operator's state, the per-partition clocks, the watermark, statistics counters and the
    /// commit tracker, as versioned bytes. Call only when outputs have been drained (the runtime
    /// does): rows waiting in output buffers are not part of the snapshot.
    public func snapshot() -> [UInt8] {
        var body = ByteWriter(reservingCapacity: 4096)
        writeEngineSection(into: &body)
        for (index, runtime) in sources.sorted(by: { $0.key < $1.key }) {
            body.write(index)
            runtime.writeClocks(into: &body)
        }
        if let commitTracker {
            body.write(true)
            commitTracker.writeState(into: &body)
        } else {
            body.write(false)
        }
        body.write(orderedOperators.count)
        for (op, pump) in zip(orderedOperators, orderedPumps) {
            let snapshotting = op as? any SnapshotOperator
            var section = ByteWriter()
            snapshotting?.writeState(into: &section)
            body.write(snapshotting?.snapshotKind ?? 255)
            body.write(bytes: Array(pump.name.utf8))
            body.write(bytes: section.bytes)
        }
        var out = ByteWriter(reservingCapacity: body.bytes.count + 96)
        out.write(magic: Self.snapshotMagic)
        out.write(Self.snapshotFormatVersion)
        out.write(bytes: Array(stateFingerprint.utf8))
        out.write(bytes: body.bytes)
        let checksum = out.bytes.withUnsafeBytes { StableHash64.hash(bytes: $0) }
        out.write(checksum)
        return out.bytes
    }

    /// Replaces this engine's state with `bytes` from `snapshot()`. The engine must be fresh (no
    /// input processed) and built from the same topology. Throws on a version or fingerprint
    /// mismatch or a truncated or corrupt payload, and then leaves the engine as it was.
    public func restore(from bytes: [UInt8]) throws(EngineSnapshotError) {
        guard counters.recordsIn == 0, !finished, highestRowtime == .min else { throw .engineNotFresh }
        let body = try Self.verifiedBody(bytes, fingerprint: stateFingerprint)
        var reader = ByteReader(body)
        var apply: [() -> Void] = []
        do throws(SnapshotDecodeError) {
            apply.append(try readEngineSection(from: &reader))
            for (index, runtime) in sources.sorted(by: { $0.key < $1.key }) {
                let stored = try reader.section { r throws(SketchDecodingError) in try r.readInt("source index") }
                guard stored == index else { throw SnapshotDecodeError("source section \(stored) where source \(index) was expected") }
                apply.append(try runtime.readClocks(from: &reader))
            }
            let hasTracker = try reader.section { r throws(SketchDecodingError) in try r.readBool("commit tracker flag") }
            if hasTracker {
                // A tracker in the snapshot but not in this engine (offsets not tracked) is only checked.
                apply.append(try CommitTracker.readState(from: &reader, into: commitTracker))
            }
            let count = try reader.section { r throws(SketchDecodingError) in try r.readInt("operator count") }
            guard count == orderedOperators.count else {
                throw SnapshotDecodeError("snapshot has \(count) operators, this topology \(orderedOperators.count)")
            }
            for (op, pump) in zip(orderedOperators, orderedPumps) {
                apply.append(try restoreOperator(op, pump: pump, from: &reader))
            }
            try reader.section { r throws(SketchDecodingError) in try r.expectEnd() }
        } catch {
            throw .corrupt(error.reason)
        }
        for install in apply { install() }
    }

    func restoreOperator(_ op: Operator, pump: PumpPlan, from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        let (kind, name, payload) = try reader.section { r throws(SketchDecodingError) in
            (try r.readUInt8("operator kind"), try r.readBytes("pump name", max: 1 << 16), try r.readBytes("operator state", max: Int.max >> 1))
        }
        let pumpName = String(decoding: name, as: UTF8.self)
        guard pumpName == pump.name else { throw SnapshotDecodeError("section for pump \(pumpName) where \(pump.name) was expected") }
        guard let snapshotting = op as? any SnapshotOperator else {
            throw SnapshotDecodeError("pump \(pump.name): its operator cannot be restored by this build")
        }
        guard kind == snapshotting.snapshotKind else {
            throw SnapshotDecodeError("pump \(pump.name): section of operator kind \(kind), expected \(snapshotting.snapshotKind)")
        }
        var section = ByteReader(payload)
        let install: () -> Void
        do {
            install = try snapshotting.restoreState(from: &section)
            try section.section { r throws(SketchDecodingError) in try r.expectEnd() }
        } catch {
            throw SnapshotDecodeError("pump \(pump.name): \(error.reason)")
        }
        return install
    }

    /// Checks magic, version, length, checksum and fingerprint, in that order, and returns the body.
    static func verifiedBody(_ bytes: [UInt8], fingerprint: String) throws(EngineSnapshotError) -> [UInt8] {
        var reader = ByteReader(bytes)
        do { try reader.expect(magic: snapshotMagic) } catch {
            throw bytes.count < 8 && Array("EDDYSNAP".utf8).starts(with: bytes) ? .truncated("\(bytes.count) bytes") : .notASnapshot
        }
        let version: UInt32
        do { version = try reader.readUInt32("version") } catch { throw .truncated(error.reason) }
        guard version == snapshotFormatVersion else { throw .unsupportedVersion(found: version, supported: snapshotFormatVersion) }
        let stored: [UInt8], body: [UInt8]
        do {
            stored = try reader.readBytes("fingerprint", max: 256)
            body = try reader.readBytes("body", max: Int.max >> 1)
        } catch {
            throw error.reason.hasPrefix("truncated") ? .truncated(error.reason) : .corrupt(error.reason)
        }
        let checksumOffset = reader.offset
        let checksum: UInt64
        do { checksum = try reader.readUInt64("checksum") } catch { throw .truncated(error.reason) }
        guard reader.isAtEnd else { throw .corrupt("\(bytes.count - reader.offset) bytes after the checksum") }
        let computed = bytes.withUnsafeBytes { StableHash64.hash(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<checksumOffset])) }
        guard computed == checksum else {
            throw .corrupt("checksum \(hex(checksum)) does not match the content's \(hex(computed))")
        }
        let storedFingerprint = String(decoding: stored, as: UTF8.self)
        guard storedFingerprint == fingerprint else { throw .fingerprintMismatch(snapshot: storedFingerprint, engine: fingerprint) }
        return body
    }

    /// Bytes the state occupies now (for the `eddy_state_bytes` gauge): a cheap estimate from the
    /// operators' table, arena, sketch and forest sizes.
    public var stateSizeEstimate: Int {
        var total = 0
        for op in orderedOperators { total += (op as? any SnapshotOperator)?.stateBytes ?? 0 }
        for runtime in sources.values { total += runtime.partitions.count * 40 }
        if let commitTracker { total += commitTracker.queues.values.reduce(0) { $0 + ($1.offsets.count - $1.head) * 16 } }
        return total
    }

    // MARK: engine section

    func writeEngineSection(into writer: inout ByteWriter) {
        writer.write(watermark)
        writer.write(highestRowtime)
        writer.write(clock.now)
        writer.write(finished)
        writer.write(counters.recordsIn)
        writer.write(counters.errors)
        writer.write(counters.lateRows)
        writer.write(nodes.count)
        for node in nodes { writer.write(node.rowsOut) }
    }

    func readEngineSection(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let watermark = try r.readInt("watermark"), highest = try r.readInt("highest rowtime"), now = try r.readInt("processing time")
            let finished = try r.readBool("finished")
            let recordsIn = try r.readCount("records in", max: .max), errors = try r.readCount("errors", max: .max)
            let late = try r.readCount("late rows", max: .max)
            let streams = try r.readCount("stream count", max: 1 << 20)
            guard streams == nodes.count else { throw SketchDecodingError("snapshot has \(streams) streams, this topology \(nodes.count)") }
            var rowsOut: [Int] = []
            for _ in 0..<streams { rowsOut.append(try r.readCount("rows out", max: .max)) }
            return {
                self.watermark = Int64(watermark)
                self.highestRowtime = Int64(highest)
                self.clock.now = Int64(now)
                self.finished = finished
                self.counters.recordsIn = recordsIn
                self.counters.errors = errors
                self.counters.lateRows = late
                for (node, rows) in zip(self.nodes, rowsOut) { node.rowsOut = rows }
            }
        }
    }
}

extension SourceRuntime {
    func writeClocks(into writer: inout ByteWriter) {
        writer.write(pendingExpected)
        writer.write(partitions.count)
        for p in partitions {
            writer.write(p.seen)
            writer.write(p.maxRowtime)
            writer.write(p.lastActivity)
            writer.write(p.expectedSince != nil)
            writer.write(p.expectedSince ?? 0)
        }
    }

    func readClocks(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void {
        try reader.section { r throws(SketchDecodingError) in
            let pending = try r.readCount("pending expected partitions", max: 1 << 20)
            let count = try r.readCount("partition count", max: 1 << 20)
            var clocks: [PartitionClock] = []
            for _ in 0..<count {
                var p = PartitionClock()
                p.seen = try r.readBool("seen")
                p.maxRowtime = Int64(try r.readInt("max rowtime"))
                p.lastActivity = Int64(try r.readInt("last activity"))
                let expected = try r.readBool("expected flag"), since = Int64(try r.readInt("expected since"))
                p.expectedSince = expected ? since : nil
                clocks.append(p)
            }
            let waiting = clocks.filter { !$0.seen && $0.expectedSince != nil }.count
            guard waiting == pending else { throw SketchDecodingError("\(pending) pending partitions recorded, \(waiting) found") }
            return {
                self.partitions = clocks
                self.pendingExpected = pending
            }
        }
    }
}

extension Engine {
    /// Continues processing time at `now` after a restore, as if no time had passed while the
    /// engine was down: every partition's last activity (and announcement time) moves forward by
    /// the gap. Without this, a restart after more than a source's `idle_timeout` would find every
    /// restored partition idle, and the watermark could jump past records that the restarted task
    /// replays from the checkpoint's offsets, making them late. Call once, right after `restore`;
    /// does nothing when `now` is not later than the restored processing time.
    public func resumeProcessingTime(at now: Int64) {
        let gap = now &- clock.now
        guard gap > 0 else { return }
        for runtime in sources.values {
            for index in runtime.partitions.indices {
                if runtime.partitions[index].seen { runtime.partitions[index].lastActivity &+= gap }
                if let since = runtime.partitions[index].expectedSince { runtime.partitions[index].expectedSince = since &+ gap }
            }
        }
        clock.now = now
    }
}
