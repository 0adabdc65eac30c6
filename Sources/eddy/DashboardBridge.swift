import EddyCore
import EddyDashboard
import EddyRuntime
import EddySQL
import Foundation
import Synchronization

/// Feeds a running pipeline's output rows to the dashboard: every bound output stream is declared
/// with its columns (numeric SQL types chart as numbers, TIMESTAMP/DATE as the time axis, the rest
/// as text), and alert streams (name or topic starting with `alerts`) go to the alert feed.
///
/// Windowed streams publish every row (one per key and window). Per-record streams (projections,
/// sliding windows, per-record table functions such as RANDOM_CUT_FOREST) publish at most
/// `perRecordRowsPerSecond` rows per second each: the page keeps a bounded history anyway, and
/// this keeps Foundation JSON parsing off the pipeline's per-record cost.
final class DashboardBridge: Sendable {
    struct StreamInfo: Sendable {
        let columns: [(name: String, kind: DashboardColumn.Kind)]
        let isAlert: Bool
        let perRecord: Bool
    }

    let hub: DashboardHub
    let streams: [String: StreamInfo]
    let perRecordInterval: Double
    private let lastPublished = Mutex<[String: Double]>([:])

    init(hub: DashboardHub, topology: Topology, perRecordRowsPerSecond: Double = 10) throws {
        self.hub = hub
        perRecordInterval = 1 / perRecordRowsPerSecond
        var streams: [String: StreamInfo] = [:]
        for (index, stream) in topology.streams.enumerated() where !stream.isSource && !stream.isSystem && stream.binding.isBound {
            let columns = stream.schema.columns.map { column -> (name: String, kind: DashboardColumn.Kind) in
                switch column.type {
                case .timestamp, .date: (column.name, .timestamp)
                case let type where type.isNumeric: (column.name, .numeric)
                default: (column.name, .text)
                }
            }
            let isAlert = isAlertStream(name: stream.name, topic: topology.effectiveTopic(stream))
            let perRecord = topology.pumps.contains { pump in
                guard pump.target == index else { return false }
                switch pump.shape {
                case .projection, .sliding: return true
                case .tableFunction(let name, _, _, _, _): return !name.hasSuffix("_TUMBLING")
                case .tumbling, .stagger: return false
                }
            }
            streams[stream.name] = StreamInfo(columns: columns, isAlert: isAlert, perRecord: perRecord)
            if !isAlert, !columns.isEmpty {
                try hub.declareStream(
                    name: stream.name, columns: columns.map { DashboardColumn($0.name, $0.kind) },
                    key: Self.chartKey(columns))
            }
        }
        self.streams = streams
    }

    /// The column whose values name the chart lines: the first text column that is not an
    /// identifier. Per-record streams usually carry a row id (REVIEW_ID) before the grouping
    /// column (PRODUCT_CATEGORY); one line per review would make the chart unreadable, one line
    /// per category is what a person watches. Falls back to the first text column.
    static func chartKey(_ columns: [(name: String, kind: DashboardColumn.Kind)]) -> String? {
        let text = columns.filter { $0.kind == .text }.map(\.name)
        return text.first { !$0.uppercased().hasSuffix("ID") } ?? text.first
    }

    /// The pipeline's `onOutputRow`.
    var handler: OutputRowHandler {
        { [self] stream, value, _ in publish(stream: stream, value: value) }
    }

    func publish(stream: String, value: UnsafeRawBufferPointer) {
        guard let info = streams[stream] else { return }
        if info.isAlert {
            try? hub.publishAlert(json: String(decoding: value, as: UTF8.self))
            return
        }
        if info.perRecord {
            let now = Date().timeIntervalSince1970
            let due = lastPublished.withLock { last -> Bool in
                guard now - (last[stream] ?? 0) >= perRecordInterval else { return false }
                last[stream] = now
                return true
            }
            guard due else { return }
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else { return }
        let row = info.columns.map { column in Self.value(object[column.name], kind: column.kind) }
        try? hub.publish(stream: stream, row: row)
    }

    static func value(_ any: Any?, kind: DashboardColumn.Kind) -> DashboardValue {
        guard let any, !(any is NSNull) else { return .null }
        switch kind {
        case .numeric:
            if let number = any as? NSNumber { return .number(number.doubleValue) }
            return .null
        case .timestamp:
            guard let text = any as? String else { return .null }
            var copy = text
            let millis = copy.withUTF8 { CivilTime.parseTimestamp(UnsafeRawBufferPointer($0)) }
            return millis.map { .timestamp(millisecondsSinceEpoch: $0) } ?? .null
        case .text:
            if let text = any as? String { return .text(text) }
            return .text("\(any)")
        }
    }
}
