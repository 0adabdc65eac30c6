/// How a topology's work splits across tasks when several `eddy run` processes share a consumer
/// group (issue 6, scale-out).
///
/// A task owns some partitions of each source topic, so a stateful pump is exact per task only when
/// every row of one of its keys lands in the same partition. That holds when the pump is keyed by
/// the source's *partition column*: the column its topic is keyed by (`'partition_key'`), or, when
/// nothing is declared, the column the keyed pumps need, which the runtime then establishes by
/// repartitioning the source through `<topology>.repartition.<source>`.
public struct Distribution: Sendable {
    /// Where a pump can run and still be exact.
    public enum Placement: String, Sendable, CaseIterable {
        /// Row by row: any task.
        case stateless
        /// Keyed by the partition column: each task holds every row of its keys.
        case partitionLocal
        /// An order-independent aggregate across partitions: exact once per-task partial states are
        /// combined (sums, counts, min/max, HLL and distinct-set merges).
        case global
        /// Order-dependent and not keyed by the partition column (RCF, sliding windows, FIRST_VALUE...):
        /// exact only when one task sees every row.
        case perPartition
    }

    /// Why a source's partition column is what it is.
    public enum KeySource: String, Sendable {
        /// `'partition_key'` names it, and the keyed pumps agree (or there are none).
        case declared
        /// Traced from the keyed pumps' GROUP BY / PARTITION BY / PARTITION_BY / alert key.
        case inferred
        /// No keyed pump and nothing declared.
        case none
    }

    public struct Source: Sendable {
        /// Index into `Topology.streams`.
        public var stream: Int
        public var name: String
        /// The column `'partition_key'` declares, if any.
        public var declaredColumn: Int?
        /// The column every task's share of this source is keyed by, after any repartition.
        public var partitionColumn: Int?
        public var partitionColumnName: String?
        public var keySource: KeySource
        /// The topic is not (known to be) keyed by `partitionColumn`: records go through
        /// `repartitionTopic`, keyed by that column's value, before the pumps see them.
        public var needsRepartition: Bool
        public var repartitionTopic: String?
    }

    public struct Pump: Sendable {
        /// Index into `Topology.pumps`.
        public var pump: Int
        public var name: String
        public var placement: Placement
        /// One line: why this placement.
        public var reason: String
        /// Keyed by a source column, but not the one the source is partitioned by: what exactness is
        /// lost and how to get it back. Nil when there is no such conflict.
        public var conflict: String?
    }

    public var sources: [Source]
    public var pumps: [Pump]

    /// No pump needs a combine step or a single task: every task can run the whole topology on its
    /// own partitions (after the repartitions `sources` call for) and the results do not depend on
    /// how many tasks there are.
    public var isPartitionLocal: Bool { pumps.allSatisfy { $0.placement == .stateless || $0.placement == .partitionLocal } }

    public func source(named name: String) -> Source? { sources.first { $0.name == name } }
    public func pump(named name: String) -> Pump? { pumps.first { $0.name == name } }
}

extension Topology {
    /// The scale-out analysis of this topology (computed on each access; cheap).
    public var distribution: Distribution { DistributionAnalysis(self).run() }

    /// Whether one task per partition gives the same results as one task for everything
    /// (`eddy run --tasks auto` chooses `partition` when this holds).
    public var isPartitionLocal: Bool { distribution.isPartitionLocal }

    /// This topology with every source that needs a repartition bound to its repartition topic
    /// instead of its own, and declared keyed by its partition column (which that topic is): what
    /// the tasks run while `RepartitionStage`s feed those topics.
    public func readingRepartitionTopics() -> Topology {
        var rebound = self
        for source in distribution.sources {
            guard let topic = source.repartitionTopic else { continue }
            rebound.streams[source.stream].binding.topic = topic
            rebound.streams[source.stream].binding.partitionKeyColumn = source.partitionColumn
        }
        return rebound
    }

    /// `<topology>.repartition.<source>`, with characters Kafka does not allow in topic names
    /// replaced by `_`.
    public func repartitionTopic(for source: StreamDefinition) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let text = "\(name).repartition.\(source.name)"
        return String(text.map { allowed.contains($0) ? $0 : "_" }.prefix(249))
    }
}

/// A column of a source stream.
struct SourceColumn: Hashable {
    var stream: Int
    var column: Int
}

/// The analysis behind `Topology.distribution`: column lineage back to sources, the choice of a
/// partition column per source, then each pump's placement in dependency order.
struct DistributionAnalysis {
    let topology: Topology
    /// Per stream, the pumps writing it.
    let writers: [[Int]]

    init(_ topology: Topology) {
        self.topology = topology
        var writers = [[Int]](repeating: [], count: topology.streams.count)
        for (index, pump) in topology.pumps.enumerated() { writers[pump.target].append(index) }
        self.writers = writers
    }

    func run() -> Distribution {
        let keys = topology.pumps.indices.map(keyExpressions)
        let traced = topology.pumps.indices.map { index in keys[index]?.map { traceInput($0, pumpIndex: index, depth: 0) } }
        let sources = chooseSourceColumns(traced)
        let partitionColumn = Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.partitionColumn.map { (s.stream, $0) } })
        var placements: [Distribution.Pump?] = Array(repeating: nil, count: topology.pumps.count)
        for index in topology.pumps.indices {
            _ = place(index, keys: keys, traced: traced, partitionColumn: partitionColumn, sources: sources, into: &placements, depth: 0)
        }
        return Distribution(sources: sources, pumps: placements.map { $0! })
    }

    // MARK: Keys

    /// The expressions (over the pump's input frame) whose equal values a stateful pump groups by;
    /// nil for a stateless pump, empty for a stateful pump over the whole stream.
    func keyExpressions(_ index: Int) -> [TypedExpr]? {
        let pump = topology.pumps[index]
        switch pump.shape {
        case .projection: return nil
        case .tumbling(let groupKeys, _, _, _): return groupKeys
        case .stagger(let partitionKeys, _, _, _), .sliding(let partitionKeys, _, _): return partitionKeys
        case .tableFunction(let name, let cursorOutputs, let cursorSchema, let arguments, _):
            let column: String?
            switch name {
            case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION": column = Self.option("PARTITION_BY", in: arguments)
            case "ANOMALY_ALERTS": column = if arguments.count > 1, case .string(let c) = arguments[1] { c } else { nil }
            default: column = nil
            }
            guard let column, let slot = cursorSchema.index(of: column) else { return [] }
            return [cursorOutputs[slot]]
        }
    }

    /// A `KEY=value` of the checked options string a table function's arguments end with.
    static func option(_ key: String, in arguments: [Literal]) -> String? {
        guard case .string(let text)? = arguments.last else { return nil }
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            if pieces.count == 2, pieces[0] == key { return String(pieces[1]) }
        }
        return nil
    }

    // MARK: Lineage

    /// The source columns an expression over `stream`'s column `column` equals (through plain
    /// copies and value-preserving casts), or nil when some writer computes it otherwise.
    func traceColumn(stream: Int, column: Int, depth: Int) -> Set<SourceColumn>? {
        let definition = topology.streams[stream]
        if definition.isSource { return [SourceColumn(stream: stream, column: column)] }
        guard depth < topology.pumps.count + 1, !writers[stream].isEmpty else { return nil }
        var result = Set<SourceColumn>()
        for writer in writers[stream] {
            guard let traced = traceOutput(topology.pumps[writer].outputs[column], pumpIndex: writer, depth: depth + 1) else { return nil }
            result.formUnion(traced)
        }
        return result
    }

    /// Traces an expression over a pump's input frame.
    func traceInput(_ expression: TypedExpr, pumpIndex: Int, depth: Int) -> Set<SourceColumn>? {
        guard case .slot(let slot) = Self.stripInjectiveCasts(expression).node else { return nil }
        return traceColumn(stream: topology.pumps[pumpIndex].source, column: slot, depth: depth)
    }

    /// Traces an output expression of a pump (over the frame its shape produces) to source columns.
    func traceOutput(_ expression: TypedExpr, pumpIndex: Int, depth: Int) -> Set<SourceColumn>? {
        guard case .slot(let slot) = Self.stripInjectiveCasts(expression).node else { return nil }
        let pump = topology.pumps[pumpIndex]
        switch pump.shape {
        case .projection:
            return traceColumn(stream: pump.source, column: slot, depth: depth)
        case .tumbling(let keys, _, _, _), .stagger(let keys, _, _, _):
            return slot < keys.count ? traceInput(keys[slot], pumpIndex: pumpIndex, depth: depth) : nil
        case .sliding:
            return slot < topology.streams[pump.source].schema.count ? traceColumn(stream: pump.source, column: slot, depth: depth) : nil
        case .tableFunction(let name, let cursorOutputs, _, _, _):
            guard TableFunctionRegistry.functions[name]?.passesCursorColumns == true, slot < cursorOutputs.count else { return nil }
            return traceInput(cursorOutputs[slot], pumpIndex: pumpIndex, depth: depth)
        }
    }

    /// Casts that keep distinct values distinct (widening, to text, integer to double), so a key
    /// cast this way still determines the source value and therefore its partition.
    static func stripInjectiveCasts(_ expression: TypedExpr) -> TypedExpr {
        var current = expression
        while case .cast(let inner) = current.node {
            let from = inner.type.kind, to = current.type.kind
            guard from == to || to == .string || (from == .integer && to == .double) else { break }
            current = inner
        }
        return current
    }

    // MARK: Partition columns

    /// Per source: the declared column, or the column most keyed pumps are keyed by (declared wins
    /// ties, then the earliest pump), and whether a repartition is needed to establish it.
    func chooseSourceColumns(_ traced: [[Set<SourceColumn>?]?]) -> [Distribution.Source] {
        var sources: [Distribution.Source] = []
        for (index, stream) in topology.streams.enumerated() where stream.isSource && !stream.isSystem {
            var votes: [Int: Int] = [:]
            var firstVote: [Int: Int] = [:]
            for (pumpIndex, keys) in traced.enumerated() {
                // Columns of this source that alone would make the pump local.
                var columns = Set<Int>()
                for key in keys ?? [] {
                    for column in key ?? [] where column.stream == index { columns.insert(column.column) }
                }
                for column in columns {
                    votes[column, default: 0] += 1
                    if firstVote[column] == nil { firstVote[column] = pumpIndex }
                }
            }
            let declared = stream.binding.partitionKeyColumn
            let best = votes.values.max() ?? 0
            var chosen: Int?
            var keySource = Distribution.KeySource.none
            if let declared, best == 0 || votes[declared] == best {
                chosen = declared
                keySource = .declared
            } else if best > 0 {
                chosen = votes.filter { $0.value == best }.keys.min { firstVote[$0]! < firstVote[$1]! }
                keySource = .inferred
            }
            let repartition = chosen != nil && chosen != declared
            sources.append(Distribution.Source(
                stream: index, name: stream.name, declaredColumn: declared, partitionColumn: chosen,
                partitionColumnName: chosen.map { stream.schema.columns[$0].name }, keySource: keySource,
                needsRepartition: repartition, repartitionTopic: repartition ? topology.repartitionTopic(for: stream) : nil))
        }
        return sources
    }

    // MARK: Placements

    /// Places pump `index` after the pumps writing its input stream (their placement decides
    /// whether that stream's rows for one key are all in one task).
    func place(_ index: Int, keys: [[TypedExpr]?], traced: [[Set<SourceColumn>?]?], partitionColumn: [Int: Int],
               sources: [Distribution.Source], into placements: inout [Distribution.Pump?], depth: Int) -> Distribution.Pump {
        if let done = placements[index] { return done }
        let pump = topology.pumps[index]
        let input = topology.streams[pump.source]
        func done(_ placement: Distribution.Placement, _ reason: String, conflict: String? = nil) -> Distribution.Pump {
            let result = Distribution.Pump(pump: index, name: pump.name, placement: placement, reason: reason, conflict: conflict)
            placements[index] = result
            return result
        }
        guard let pumpKeys = keys[index] else {
            return done(.stateless, "row by row (\(pump.filter == nil ? "projection" : "filter and projection")): runs in any task")
        }
        // A stateful pump needs its input complete per key within a task: every writer of the input
        // must itself be stateless or partition-local.
        if depth < topology.pumps.count {
            for writer in writers[pump.source] where writer != index {
                let upstream = place(writer, keys: keys, traced: traced, partitionColumn: partitionColumn, sources: sources,
                                     into: &placements, depth: depth + 1)
                if upstream.placement == .global || upstream.placement == .perPartition {
                    return done(.perPartition, "reads \"\(input.name)\", which pump \"\(upstream.name)\" computes per task (\(upstream.placement.rawValue)): exact only in one task")
                }
            }
        }
        let keyTraces = traced[index] ?? []
        let keyNames = pumpKeys.map { Self.describe($0, input: input) }
        // Local when one key's every source column is its source's partition column.
        if let local = keyTraces.firstIndex(where: { trace in
            guard let trace, !trace.isEmpty else { return false }
            return trace.allSatisfy { partitionColumn[$0.stream] == $0.column }
        }) {
            let trace = keyTraces[local]!
            let names = trace.map { "\(topology.streams[$0.stream].schema.columns[$0.column].name) of \"\(topology.streams[$0.stream].name)\"" }.sorted()
            return done(.partitionLocal, "keyed by \(keyNames[local]), the partition key (\(names.joined(separator: ", "))): each key's rows are in one task")
        }
        let keyed = keyNames.isEmpty ? "over the whole stream" : "keyed by \(keyNames.joined(separator: ", ")), not a partition key"
        let conflict = conflictNote(pump: pump, keyTraces: keyTraces, keyNames: keyNames, sources: sources)
        switch pump.shape {
        case .projection:
            return done(.stateless, "row by row: runs in any task")
        case .tumbling(_, _, let aggregates, _):
            let ordered = aggregates.filter { $0.function == .firstValue || $0.function == .lastValue }
            if !ordered.isEmpty {
                return done(.perPartition, "tumbling window \(keyed); \(ordered.map(\.function.rawValue).joined(separator: ", ")) depend on arrival order: exact only in one task", conflict: conflict)
            }
            return done(.global, "tumbling window \(keyed): per-task partial aggregates must be combined", conflict: conflict)
        case .stagger:
            return done(.perPartition, "stagger window \(keyed): a key's window opens at its first row, which depends on arrival order: exact only in one task", conflict: conflict)
        case .sliding:
            return done(.perPartition, "sliding window \(keyed): each row's window is the rows before it: exact only in one task", conflict: conflict)
        case .tableFunction(let name, _, _, _, _):
            switch name {
            case "COUNT_DISTINCT_ITEMS_TUMBLING":
                return done(.global, "distinct count over the whole stream per window: per-task sets/HyperLogLogs must be merged", conflict: conflict)
            case "TOP_K_ITEMS_TUMBLING":
                return done(.global, "top-K over the whole stream per window: per-task counts must be merged", conflict: conflict)
            case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION":
                let what = pumpKeys.isEmpty ? "one forest learns every row in arrival order" : "per-key forests learn in arrival order and a key's rows span tasks"
                return done(.perPartition, "\(name) \(keyed): \(what): exact only in one task", conflict: conflict)
            case "ANOMALY_ALERTS":
                return done(.perPartition, "ANOMALY_ALERTS \(keyed): a key's thresholds and cool-down follow its rows in order: exact only in one task", conflict: conflict)
            default:
                return done(.perPartition, "\(name) \(keyed): order-dependent: exact only in one task", conflict: conflict)
            }
        }
    }

    /// For a pump keyed by a source column other than the chosen partition column: the trade-off.
    func conflictNote(pump: PumpPlan, keyTraces: [Set<SourceColumn>?], keyNames: [String], sources: [Distribution.Source]) -> String? {
        for trace in keyTraces {
            guard let trace, trace.count == 1, let wanted = trace.first,
                  let source = sources.first(where: { $0.stream == wanted.stream }), let chosen = source.partitionColumnName else { continue }
            let wantedName = topology.streams[wanted.stream].schema.columns[wanted.column].name
            let why = source.keySource == .declared ? "its 'partition_key'" : "more keyed pumps need it"
            return "\"\(source.name)\" is partitioned by \(chosen) (\(why)), but this pump is keyed by \(wantedName): "
                + "it is exact only with one task (eddy run --tasks single); or run it in a separate topology whose source has 'partition_key' = '\(wantedName)'"
        }
        return nil
    }

    /// A key expression's text for reasons: its source-side column name when it is one.
    static func describe(_ expression: TypedExpr, input: StreamDefinition) -> String {
        if case .slot(let slot) = stripInjectiveCasts(expression).node, slot < input.schema.count { return input.schema.columns[slot].name }
        return "an expression"
    }
}
