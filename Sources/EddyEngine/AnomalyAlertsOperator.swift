import EddyCore
import EddySQL
import EddySketches
import EddyWorkload

/// ANOMALY_ALERTS(cursor, 'scoreColumn', 'keyColumn', k, cooldownSeconds [, 'options']): alert rules
/// in SQL. Each cursor row's score is judged against its key's adaptive threshold (mean ± k·σ of the
/// key's recent scores, EddySketches.KeyedAdaptiveThresholds, silent during warm-up), then gated by
/// the key's cool-down (KeyedAlertCooldowns): the first anomaly of a burst raises an alert row at once,
/// later ones in the cool-down are counted, and one `follow_up` row carries the count when the
/// cool-down ends (found by the key's next row or by the watermark). Rows with a NULL score are not
/// judged (the upstream function already reported why).
///
/// Each alert row's ALERT column is a complete JSON object with the context a person needs:
/// kind, type, summary, key, score, threshold and baseline, the triggering record's columns,
/// the explanation (the cursor's ANOMALY_EXPLANATION or the EXPLANATION option's column, embedded
/// as JSON when it is a JSON object), event time, topology and pump. Bind it with `'format' = 'raw'`
/// to publish that object as the message. Alerts are rare, so building them may allocate; the
/// per-row path (threshold and cool-down updates) does not.
///
/// Bounded state: at most 10,000 keys each of thresholds and cool-downs (least recently seen
/// evicted, as EddySketches counts), and a key idle for longer than the idle-key retention
/// (`KeyExpiry`, `state_retention`) loses both, unless its cool-down is still running (its follow-up
/// comes first): a later score of it starts a fresh warm-up. The key's display name is kept only
/// while it has either.
final class AnomalyAlertsOperator: Operator, KeyEvictingOperator {
    /// A key's display name and when it was last active (the highest rowtime since it got state).
    struct KeyState {
        var name: String
        var lastSeen: Int64
    }

    let plan: TableFunctionPlan
    let cursor: [Evaluator]
    let scoreColumn: Int
    let keyColumn: Int
    let explanationColumn: Int?
    /// Cursor columns written into the alert's "record" (all but the explanation).
    let recordColumns: [Int]
    let recordEncoder: JSONRowEncoder
    let recordFrame: Frame
    let kind: String
    let tail: AdaptiveThresholdConfiguration.Tail
    let k: Double
    @exclusivity(unchecked) var thresholds: KeyedAdaptiveThresholds<UInt64>
    @exclusivity(unchecked) var cooldowns: KeyedAlertCooldowns<UInt64>
    @exclusivity(unchecked) var keys: [UInt64: KeyState] = [:]
    @exclusivity(unchecked) var expiry: KeyExpiry
    var evictedKeys: Int { expiry.evictedKeys }
    let row: Frame
    let functionRow: Frame
    let out: Frame
    let keyText = ByteArena(capacity: 128)
    /// Arena for follow-ups raised by watermarks, when no input frame is at hand.
    let followUpArena = ByteArena(capacity: 1024)
    /// The alert JSON is built here, then copied into the row's arena (never read and grown at once).
    let build = ByteArena(capacity: 2048)

    init(_ plan: TableFunctionPlan, compiler: ExpressionCompiler, retention: Int64 = Engine.defaultStateRetentionMillis) throws(EngineError) {
        self.plan = plan
        expiry = KeyExpiry(span: retention)
        cursor = plan.cursorOutputs.map(compiler.compile)
        let schema = plan.cursorSchema
        guard let scoreName = plan.string(0), let score = schema.index(of: scoreName),
              let keyName = plan.string(1), let key = schema.index(of: keyName),
              let k = plan.number(2), let cooldownSeconds = plan.integer(3) else {
            throw plan.failure("bad arguments")
        }
        scoreColumn = score
        keyColumn = key
        self.k = k
        let options = plan.options
        let explanation = options["EXPLANATION"].flatMap { schema.index(of: $0) } ?? schema.index(of: "ANOMALY_EXPLANATION")
        explanationColumn = explanation
        recordColumns = schema.columns.indices.filter { $0 != explanation }
        recordEncoder = JSONRowEncoder(schema: Schema(recordColumns.map { schema.columns[$0] }))
        recordFrame = Frame(count: recordColumns.count, arena: ByteArena(capacity: 64))
        kind = options["KIND"] ?? "anomaly"
        tail = options["TAIL"] == "LOW" ? .lower : .upper
        let configuration = AdaptiveThresholdConfiguration(
            k: k, warmUpObservations: options["WARM_UP"].flatMap { Int($0) } ?? 50,
            halfLife: options["HALF_LIFE"].flatMap { Double($0) } ?? 500, tail: tail,
            minimumStandardDeviation: options["MIN_STDDEV"].flatMap { Double($0) } ?? 0)
        do {
            thresholds = try KeyedAdaptiveThresholds(configuration: configuration)
            cooldowns = try KeyedAlertCooldowns(cooldownMilliseconds: cooldownSeconds * 1000)
        } catch {
            throw plan.failure("\(error)")
        }
        row = Frame(count: schema.count, arena: ByteArena(capacity: 64))
        functionRow = Frame(count: plan.outputSchema.count, arena: row.arena)
        out = Frame(count: plan.outputs.count, arena: row.arena)
    }

    override func process(_ frame: Frame) {
        if let filter = plan.filter { let v = filter(frame); if v.isNull || v.bits == 0 { return } }
        row.arena = frame.arena
        row.rowtime = frame.rowtime
        for c in 0..<cursor.count {
            let v = cursor[c](frame)
            row.slots[c] = v.bits
            row.nulls[c] = v.isNull
        }
        if row.nulls[scoreColumn] { return }
        let scoreType = plan.cursorSchema.columns[scoreColumn].type
        let score = scoreType.kind == .double ? row.double(scoreColumn) : Double(row.int(scoreColumn))
        keyText.reset()
        JSONRowEncoder.appendText(row.slots[keyColumn], isNull: row.nulls[keyColumn], type: plan.cursorSchema.columns[keyColumn].type,
                                  arena: row.arena, into: keyText)
        let keyBytes = keyText.bytes(StringRef.make(offset: 0, length: keyText.count))
        let key = StableHash64.hash(bytes: keyBytes)
        touch(key, at: frame.rowtime)
        let decision = thresholds.observe(score, for: key)
        let gate = cooldowns.observe(isAnomalous: decision.isAnomalous, for: key, at: frame.rowtime)
        if let followUp = gate.followUp { emitFollowUp(followUp, key: key, arena: frame.arena, rowtime: frame.rowtime) }
        if gate.raisesAlert { emitRaise(score: score, decision: decision, key: key, arena: frame.arena) }
    }

    /// Notes a row of `key` at `rowtime`: an expired key's thresholds and cool-down are dropped
    /// first (exactly as a scan would have), and a key that has neither starts its idle clock anew.
    @inline(__always) func touch(_ key: UInt64, at rowtime: Int64) {
        if let i = keys.index(forKey: key) {
            if expiry.isExpired(keys.values[i].lastSeen), !cooldowns.isCoolingDown(key) {
                if thresholds.remove(key) || cooldowns.contains(key) { expiry.evictedKeys += 1 }
                cooldowns.remove(key)
                keys.values[i].lastSeen = rowtime
            } else if !thresholds.contains(key), !cooldowns.contains(key) {
                keys.values[i].lastSeen = rowtime
            } else if rowtime > keys.values[i].lastSeen {
                keys.values[i].lastSeen = rowtime
            }
        } else {
            keys[key] = KeyState(name: keyText.string(StringRef.make(offset: 0, length: keyText.count)), lastSeen: rowtime)
        }
        expiry.added(at: rowtime)
        // Full: the least recently seen key would be evicted for room; expired keys go first, so
        // which key that is does not depend on when scans ran.
        if expiry.mayHaveExpired, thresholds.isFull || cooldowns.isFull, !thresholds.contains(key) || !cooldowns.contains(key) { scan() }
    }

    override func onWatermark(_ watermark: Int64) {
        followUpArena.reset()
        var due: [(UInt64, AlertFollowUp)] = []
        cooldowns.advance(to: watermark) { key, followUp in due.append((key, followUp)) }
        for (key, followUp) in due.sorted(by: { ($0.1.cooldownEndedAt, keys[$0.0]?.name ?? "") < ($1.1.cooldownEndedAt, keys[$1.0]?.name ?? "") }) {
            emitFollowUp(followUp, key: key, arena: followUpArena, rowtime: followUp.cooldownEndedAt)
        }
        expiry.advance(to: watermark)
        if expiry.scanIsDue || keys.count > 2 * (thresholds.maximumKeys + cooldowns.maximumKeys) { scan() }
    }

    /// Drops expired keys (not while cooling down) and the names of keys left with no state (their
    /// idle clock restarts when they return, so forgetting it changes nothing).
    func scan() {
        var oldest = Int64.max
        var gone: [UInt64] = []
        for (key, state) in keys {
            let cooling = cooldowns.isCoolingDown(key)
            if expiry.isExpired(state.lastSeen), !cooling {
                if thresholds.remove(key) || cooldowns.contains(key) { expiry.evictedKeys += 1 }
                cooldowns.remove(key)
                gone.append(key)
            } else if !thresholds.contains(key), !cooldowns.contains(key) {
                gone.append(key)
            } else {
                // A cooling key past the cutoff is looked at again once the cutoff has moved on.
                oldest = min(oldest, cooling && expiry.isExpired(state.lastSeen) ? expiry.cutoff : state.lastSeen)
            }
        }
        for key in gone { keys.removeValue(forKey: key) }
        // A dictionary keeps its capacity when emptied: after a burst of keys, give the memory back.
        if keys.capacity > 4 * max(keys.count, 1024) {
            keys = keys.reduce(into: Dictionary(minimumCapacity: keys.count * 2)) { $0[$1.key] = $1.value }
        }
        expiry.oldest = oldest
    }

    // MARK: alert rows

    func emitRaise(score: Double, decision: ThresholdDecision, key: UInt64, arena target: ByteArena) {
        let name = keys[key]?.name ?? ""
        let comparison = tail == .upper ? "above" : "below"
        var summary = "[\(kind)] \(name): \(plan.cursorSchema.columns[scoreColumn].name) \(Self.short(score)) \(comparison) threshold \(Self.short(decision.threshold))"
        summary += " (baseline \(Self.short(decision.mean)) ± \(Self.short(k))σ, σ=\(Self.short(decision.standardDeviation)))"
        summary += " at \(CivilTime.isoString(row.rowtime))"
        let identifying = recordColumns.filter { $0 != scoreColumn && $0 != keyColumn }.prefix(6)
        if !identifying.isEmpty {
            let scratch = ByteArena(capacity: 64)
            for c in identifying {
                scratch.reset()
                JSONRowEncoder.appendText(row.slots[c], isNull: row.nulls[c], type: plan.cursorSchema.columns[c].type, arena: row.arena, into: scratch)
                summary += c == identifying.first ? "; " : ", "
                summary += "\(plan.cursorSchema.columns[c].name)=\(scratch.string(StringRef.make(offset: 0, length: scratch.count)))"
            }
        }
        let arena = build
        arena.reset()
        begin(arena, type: "raise", summary: summary, key: name)
        arena.append(",\"score\":"); JSONRowEncoder.appendDouble(score, type: .double, into: arena)
        arena.append(",\"threshold\":"); JSONRowEncoder.appendDouble(decision.threshold, type: .double, into: arena)
        arena.append(",\"baseline_mean\":"); JSONRowEncoder.appendDouble(decision.mean, type: .double, into: arena)
        arena.append(",\"baseline_stddev\":"); JSONRowEncoder.appendDouble(decision.standardDeviation, type: .double, into: arena)
        arena.append(",\"k\":"); JSONRowEncoder.appendDouble(k, type: .double, into: arena)
        arena.append(tail == .upper ? ",\"direction\":\"HIGH\"" : ",\"direction\":\"LOW\"")
        arena.append(",\"event_time\":\""); CivilTime.writeISO(row.rowtime, into: arena); arena.append(UInt8(ascii: "\""))
        arena.append(",\"record\":")
        recordFrame.arena = row.arena
        for (j, c) in recordColumns.enumerated() { recordFrame.slots[j] = row.slots[c]; recordFrame.nulls[j] = row.nulls[c] }
        recordEncoder.encode(recordFrame, rowtime: nil, into: arena)
        arena.append(",\"explanation\":")
        appendExplanation(into: arena)
        arena.append(",\"suppressed_count\":0")
        finish(arena)
        emit(type: "raise", key: name, score: score, threshold: decision.threshold, suppressed: 0, summary: summary,
             arena: target, rowtime: row.rowtime)
    }

    func emitFollowUp(_ followUp: AlertFollowUp, key: UInt64, arena target: ByteArena, rowtime: Int64) {
        let name = keys[key]?.name ?? ""
        let summary = "[\(kind)] \(name): \(followUp.suppressedCount) more anomal\(followUp.suppressedCount == 1 ? "y" : "ies") during the cool-down"
            + " \(CivilTime.isoString(followUp.burstStartedAt)) – \(CivilTime.isoString(followUp.cooldownEndedAt))"
        let arena = build
        arena.reset()
        begin(arena, type: "follow_up", summary: summary, key: name)
        arena.append(",\"score\":null,\"threshold\":null")
        arena.append(",\"event_time\":\""); CivilTime.writeISO(rowtime, into: arena); arena.append(UInt8(ascii: "\""))
        arena.append(",\"burst_started_at\":\""); CivilTime.writeISO(followUp.burstStartedAt, into: arena)
        arena.append("\",\"cooldown_ended_at\":\""); CivilTime.writeISO(followUp.cooldownEndedAt, into: arena)
        arena.append("\",\"last_suppressed_at\":\""); CivilTime.writeISO(followUp.lastSuppressedAt, into: arena)
        arena.append("\",\"record\":null,\"explanation\":null,\"suppressed_count\":")
        JSONRowEncoder.appendInt(Int64(followUp.suppressedCount), into: arena)
        finish(arena)
        emit(type: "follow_up", key: name, score: nil, threshold: nil, suppressed: Int64(followUp.suppressedCount), summary: summary,
             arena: target, rowtime: rowtime)
    }

    func begin(_ arena: ByteArena, type: String, summary: String, key: String) {
        arena.append("{\"kind\":"); appendJSONString(kind, arena)
        arena.append(",\"type\":"); appendJSONString(type, arena)
        arena.append(",\"summary\":"); appendJSONString(summary, arena)
        arena.append(",\"key_column\":"); appendJSONString(plan.cursorSchema.columns[keyColumn].name, arena)
        arena.append(",\"key\":"); appendJSONString(key, arena)
    }

    func finish(_ arena: ByteArena) {
        arena.append(",\"topology\":"); appendJSONString(plan.topologyName, arena)
        arena.append(",\"pump\":"); appendJSONString(plan.pumpName, arena)
        arena.append(UInt8(ascii: "}"))
    }

    /// The explanation column as JSON when it holds a JSON object, else as a string (or null).
    func appendExplanation(into arena: ByteArena) {
        guard let c = explanationColumn, !row.nulls[c] else { arena.append("null"); return }
        let text = row.arena.bytes(row.slots[c])
        let isObject = text.withMemoryRebound(to: UInt8.self) { JSONObjectValidator.problem(in: $0) == nil }
        if isObject { arena.append(text) } else { JSONRowEncoder.appendString(text, into: arena) }
    }

    func appendJSONString(_ s: String, _ arena: ByteArena) {
        var text = s
        text.withUTF8 { JSONRowEncoder.appendString(UnsafeRawBufferPointer($0), into: arena) }
    }

    /// Emits the alert built in `build` as a row, its strings stored in `arena`.
    func emit(type: String, key: String, score: Double?, threshold: Double?, suppressed: Int64, summary: String,
              arena: ByteArena, rowtime: Int64) {
        let alert = arena.store(UnsafeRawBufferPointer(start: build.storage, count: build.count))
        functionRow.arena = arena
        functionRow.rowtime = rowtime
        functionRow.set(0, arena.store(kind))
        functionRow.set(1, arena.store(key))
        functionRow.set(2, arena.store(type))
        if let score { functionRow.set(3, score.bitPattern) } else { functionRow.setNull(3) }
        if let threshold { functionRow.set(4, threshold.bitPattern) } else { functionRow.setNull(4) }
        functionRow.set(5, UInt64(bitPattern: suppressed))
        functionRow.set(6, arena.store(summary))
        functionRow.set(7, alert)
        out.arena = arena
        out.rowtime = rowtime
        for k in 0..<plan.outputs.count {
            let v = plan.outputs[k](functionRow)
            out.slots[k] = v.bits
            out.nulls[k] = v.isNull
        }
        plan.target.emit(out, key: nil)
    }

    /// A number rounded to 3 decimals for summary lines.
    static func short(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        return "\((x * 1000).rounded() / 1000)"
    }
}
