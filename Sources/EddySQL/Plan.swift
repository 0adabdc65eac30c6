public import EddyCore

/// A typed, name-resolved expression: columns became slot numbers, implicit conversions became
/// explicit casts, so the engine compiles it without looking anything up.
public struct TypedExpr: Sendable {
    public var node: Node
    public var type: SQLType

    public indirect enum Node: Sendable {
        case slot(Int)
        case rowtime
        case literal(Literal)
        /// Operands have the same kind (integer or double); timestamps add/subtract integer millis.
        case arithmetic(String, TypedExpr, TypedExpr)
        /// Operands have the same kind.
        case compare(String, TypedExpr, TypedExpr)
        case and(TypedExpr, TypedExpr)
        case or(TypedExpr, TypedExpr)
        case not(TypedExpr)
        case isNull(TypedExpr, negated: Bool)
        case like(TypedExpr, TypedExpr, negated: Bool)
        case caseWhen([TypedBranch], TypedExpr?)
        /// Converts the operand to `type`.
        case cast(TypedExpr)
        case call(ScalarFunction, [TypedExpr])
    }

    public init(_ node: Node, _ type: SQLType) {
        self.node = node
        self.type = type
    }
}

public struct TypedBranch: Sendable {
    public var condition: TypedExpr
    public var result: TypedExpr
}

public enum Literal: Sendable, Equatable {
    case integer(Int64)
    case double(Double)
    case string(String)
    case boolean(Bool)
    case null
}

/// Scalar functions of the dialect.
public enum ScalarFunction: String, Sendable, CaseIterable {
    case concat, upper, lower, substring, trimBoth, trimLeading, trimTrailing, charLength, position
    case regexReplace, charToTimestamp, timestampToChar
    case abs, floor, ceil, round, ln, exp, power, mod
    /// Arguments: timestamp, unit millis (integer literal).
    case floorTo, ceilTo
    case tsdiff
    case currentRowTimestamp
    /// VADER compound sentiment of a string, a DOUBLE in [-1, 1].
    case sentiment
}

/// Aggregate functions usable in tumbling, stagger and sliding windows.
public enum AggregateFunction: String, Sendable, CaseIterable {
    case countStar = "COUNT(*)", count = "COUNT", sum = "SUM", avg = "AVG", min = "MIN", max = "MAX"
    case stddevPop = "STDDEV_POP", stddevSamp = "STDDEV_SAMP", varPop = "VAR_POP", varSamp = "VAR_SAMP"
    case firstValue = "FIRST_VALUE", lastValue = "LAST_VALUE"
    /// Distinct non-NULL values: exact up to 10,000, then HyperLogLog (GROUP BY windows only).
    case approxCountDistinct = "APPROX_COUNT_DISTINCT"
    /// Sliding windows only: the value `offset` rows before the current one in the partition.
    case lag = "LAG"
}

public struct AggregatePlan: Sendable {
    public var function: AggregateFunction
    /// Over the input frame; nil for COUNT(*).
    public var argument: TypedExpr?
    public var type: SQLType
    /// LAG offset.
    public var offset: Int = 1
}

/// How a stream is bound to the outside world.
public struct Binding: Sendable {
    /// `raw`: output streams only; the message value is the one non-key VARCHAR column, verbatim.
    public enum Format: String, Sendable { case json, csv, tsv, raw }
    public var topic: String?
    public var format: Format = .json
    /// Column holding the event time (BIGINT epoch millis or TIMESTAMP); nil means processing time.
    public var rowtimeColumn: Int?
    public var latenessMillis: Int64 = 0
    public var idleTimeoutMillis: Int64?
    /// A rowtime further than this ahead of processing time is an error row (`max_future_skew`;
    /// nil: no limit). Only where processing time is a real clock (the Kafka runtime).
    public var maxFutureSkewMillis: Int64? = 3_600_000
    /// Columns joined by `|` for the Kafka key; nil means the default (group keys, window start).
    public var keyColumns: [Int]?
    public var partitions: Int?
    /// Source streams: the column the topic is keyed by (`'partition_key'`), so records with equal
    /// values share a partition. Scale-out analysis (`Topology.distribution`) relies on it.
    public var partitionKeyColumn: Int?
    /// Where `'partition_key'` was written, for diagnostics about it.
    public var partitionKeyLocation: SourceLocation?
    /// Idle-key retention of the keyed pumps reading this stream (`'state_retention'`, ms;
    /// `Int64.max` for 'never'); nil: inherited from the streams that feed it, else 24 hours.
    public var stateRetentionMillis: Int64?
    /// Whether a WITH or ALTER STREAM ... SET named a topic.
    public var isBound: Bool { topic != nil }
}

public struct StreamDefinition: Sendable {
    public var name: String
    public var schema: Schema
    public var binding: Binding
    public var location: SourceLocation
    /// `error_stream` and `late_stream`, which exist in every topology.
    public var isSystem: Bool
    /// No pump inserts into it: records come from a topic or a replay file.
    public var isSource: Bool
}

/// A window frame of a sliding window.
public enum SlidingFrame: Sendable {
    case range(millis: Int64)
    case rows(Int)
}

/// What a pump computes, and the layout of the frame its output expressions read.
public enum PumpShape: Sendable {
    /// Outputs read the input frame.
    case projection
    /// Outputs read [group keys..., window start, window end, aggregates...].
    case tumbling(groupKeys: [TypedExpr], sizeMillis: Int64, aggregates: [AggregatePlan], having: TypedExpr?)
    /// Outputs read [input columns..., aggregates...].
    case sliding(partitionKeys: [TypedExpr], frame: SlidingFrame, aggregates: [AggregatePlan])
    /// Outputs read [partition keys..., window start, window end, aggregates...].
    case stagger(partitionKeys: [TypedExpr], rangeMillis: Int64, aggregates: [AggregatePlan], having: TypedExpr?)
    /// The cursor projects the input into `cursorSchema`; the function's rows (`outputSchema`) feed the outputs.
    case tableFunction(name: String, cursorOutputs: [TypedExpr], cursorSchema: Schema, arguments: [Literal], outputSchema: Schema)
}

/// One pump: input stream → filter → shape → outputs (one per target column, cast to its type).
public struct PumpPlan: Sendable {
    public var name: String
    public var location: SourceLocation
    public var source: Int
    public var target: Int
    /// Over the input frame.
    public var filter: TypedExpr?
    public var shape: PumpShape
    public var outputs: [TypedExpr]
}

/// An analyzed topology: streams (sources, in-application streams, error_stream, late_stream) and pumps.
public struct Topology: Sendable {
    public var name: String
    public var streams: [StreamDefinition]
    public var pumps: [PumpPlan]

    public func streamIndex(_ name: String) -> Int? { streams.firstIndex { $0.name == name } }
    /// The topic a stream is produced to: its binding, or `<topology>.errors` / `<topology>.late`
    /// for an unbound error_stream / late_stream; nil for other unbound streams.
    public func effectiveTopic(_ stream: StreamDefinition) -> String? {
        if let topic = stream.binding.topic { return topic }
        if stream.name == Self.errorStreamName { return "\(name).errors" }
        if stream.name == Self.lateStreamName { return "\(name).late" }
        return nil
    }

    public static let errorStreamName = "error_stream"
    public static let lateStreamName = "late_stream"
}
