import ArgumentParser
import EddyEngine
import EddyRuntime
import EddySQL
import Foundation

/// `eddy explain FILE [--dot]`: prints the operator graph (sources → pumps → streams → sinks) and
/// how it scales out: each source's partition key (and repartition topic), each pump's placement.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "Print a topology's operator graph.")

    @Argument(help: "A topology .sql file.") var file: String
    @Flag(help: "Print Graphviz dot instead of text.") var dot = false

    func run() throws {
        guard case .success(let topology) = TopologyLoader.load(file) else {
            if case .failure(let message) = TopologyLoader.load(file) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            throw ExitCode.failure
        }
        print(dot ? GraphPrinter.dot(topology) : GraphPrinter.text(topology), terminator: "")
    }
}

enum GraphPrinter {
    static func shape(_ p: PumpPlan) -> String {
        switch p.shape {
        case .projection: "project\(p.filter == nil ? "" : " + filter")"
        case .tumbling(let keys, let size, let aggs, _): "tumbling \(size) ms, \(keys.count) group key(s), aggregates \(aggs.map(\.function.rawValue).joined(separator: ", "))"
        case .stagger(let keys, let range, let aggs, _): "stagger \(range) ms, \(keys.count) partition key(s), aggregates \(aggs.map(\.function.rawValue).joined(separator: ", "))"
        case .sliding(let keys, let frame, let aggs): "sliding \(frame), \(keys.count) partition key(s), \(aggs.map(\.function.rawValue).joined(separator: ", "))"
        case .tableFunction(let name, _, _, let args, _): "table function \(name)(CURSOR, \(args.map(literal).joined(separator: ", ")))"
        }
    }

    static func literal(_ l: Literal) -> String {
        switch l {
        case .integer(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): "'\(v)'"
        case .boolean(let v): v ? "TRUE" : "FALSE"
        case .null: "NULL"
        }
    }

    /// Escapes a Graphviz label.
    static func label(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func binding(_ s: StreamDefinition, topology: Topology) -> String {
        if let topic = s.binding.topic { return "topic \(topic)" }
        if s.isSystem, let topic = topology.effectiveTopic(s) { return "topic \(topic) (default)" }
        return s.isSource ? "replay input" : "unbound"
    }

    /// A source's idle-key retention as `eddy explain` shows it: the option's value, or the default.
    static func retention(_ millis: Int64?) -> String {
        guard let millis else { return "\(Engine.defaultStateRetentionMillis / 3_600_000)h (default)" }
        return millis == .max ? "never" : "\(millis)ms"
    }

    static func text(_ t: Topology) -> String {
        var out = "topology \(t.name)\n"
        for s in t.streams where s.isSource {
            out += "source \"\(s.name)\" [\(s.binding.format.rawValue), \(binding(s, topology: t))] rowtime=\(s.binding.rowtimeColumn.map { s.schema.columns[$0].name } ?? "processing time") lateness=\(s.binding.latenessMillis)ms state_retention=\(retention(s.binding.stateRetentionMillis))\n"
        }
        for p in t.pumps {
            out += "pump \"\(p.name)\": \"\(t.streams[p.source].name)\" -> [\(shape(p))] -> \"\(t.streams[p.target].name)\"\n"
        }
        for s in t.streams where !s.isSource {
            out += "sink \"\(s.name)\" -> \(binding(s, topology: t))\(s.binding.keyColumns.map { " key=" + $0.map { s.schema.columns[$0].name }.joined(separator: ",") } ?? "")\n"
        }
        return out + distribution(t.distribution, topology: t)
    }

    /// The scale-out section: partition key per source, repartition topics, pump placements, and
    /// which global aggregates per-partition tasks combine (and through which topic).
    static func distribution(_ d: Distribution, topology: Topology) -> String {
        var out = "scale-out\n"
        for s in d.sources {
            let key: String
            switch s.keySource {
            case .declared: key = "partition key \(s.partitionColumnName ?? "?") (declared)"
            case .inferred: key = "partition key \(s.partitionColumnName ?? "?") (inferred from the keyed pumps)"
            case .none: key = "no partition key (no keyed pump)"
            }
            let repartition = s.repartitionTopic.map { ", repartitioned through topic \($0)" } ?? ", no repartition"
            out += "  source \"\(s.name)\": \(key)\(repartition)\n"
        }
        for p in d.pumps {
            out += "  pump \"\(p.name)\": \(p.placement.rawValue): \(p.reason)\n"
            if let conflict = p.conflict { out += "    conflict: \(conflict)\n" }
        }
        if d.isPartitionLocal {
            out += "  partition-local: yes (eddy run --tasks auto runs one task per partition)\n"
            return out
        }
        let plan = CombinePlan(topology: topology.readingRepartitionTopics())
        if !plan.isEmpty {
            out += "  combined through topic \(plan.partialsTopic) (each task publishes its partial windows; one combiner merges them): \(plan.combinedPumps.joined(separator: ", "))\n"
            if !plan.combinerPumps.isEmpty { out += "  run in the combiner (they read only combined rows): \(plan.combinerPumps.joined(separator: ", "))\n" }
        }
        if let blocking = plan.blocking {
            out += "  partition-local: no (pump \(blocking.pump) is \(blocking.reason)): eddy run --tasks auto runs a single task\n"
        } else {
            out += "  partition-local: no, but every global aggregate is combined: eddy run --tasks auto runs one task per partition\n"
        }
        return out
    }

    static func dot(_ t: Topology) -> String {
        var out = "digraph \"\(label(t.name))\" {\n  rankdir=LR;\n"
        let placements = Dictionary(t.distribution.pumps.map { ($0.name, $0.placement) }, uniquingKeysWith: { first, _ in first })
        for s in t.streams {
            out += "  \"s:\(label(s.name))\" [shape=\(s.isSource ? "invhouse" : "box"), label=\"\(label(s.name))\\n\(label(binding(s, topology: t)))\"];\n"
        }
        for p in t.pumps {
            let placement = placements[p.name].map { "\\n[\($0.rawValue)]" } ?? ""
            out += "  \"p:\(label(p.name))\" [shape=ellipse, label=\"\(label(p.name))\\n\(label(shape(p)))\(placement)\"];\n"
            out += "  \"s:\(label(t.streams[p.source].name))\" -> \"p:\(label(p.name))\";\n  \"p:\(label(p.name))\" -> \"s:\(label(t.streams[p.target].name))\";\n"
        }
        for s in t.streams where s.isSource {
            out += "  \"s:\(label(s.name))\" -> \"s:\(Topology.errorStreamName)\" [style=dashed];\n  \"s:\(label(s.name))\" -> \"s:\(Topology.lateStreamName)\" [style=dotted];\n"
        }
        return out + "}\n"
    }
}
