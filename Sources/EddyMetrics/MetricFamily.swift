import Synchronization

/// The Prometheus type of a metric family.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case histogram
}

/// A named metric with a fixed list of label names; each distinct list of label values is one series.
///
/// Looking up a series takes a lock and may allocate, so callers do it once (per stream, per
/// partition) and keep the returned handle; updating the handle is lock-free.
public final class MetricFamily<Handle: AnyObject & Sendable>: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    let makeHandle: @Sendable () -> Handle
    let series = Mutex<[[String]: Handle]>([:])

    init(name: String, help: String, labelNames: [String], makeHandle: @escaping @Sendable () -> Handle) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.makeHandle = makeHandle
    }

    /// The series for these label values (in the order of `labelNames`), created on first use.
    public func labels(_ values: String...) throws(MetricsError) -> Handle {
        try labels(values)
    }

    /// The series for these label values (in the order of `labelNames`), created on first use.
    public func labels(_ values: [String]) throws(MetricsError) -> Handle {
        guard values.count == labelNames.count else {
            throw .labelCountMismatch(metric: name, expected: labelNames, got: values.count)
        }
        return series(for: values)
    }

    /// Lookup for callers that built `values` from this family's own `labelNames` count.
    func series(for values: [String]) -> Handle {
        series.withLock { table in
            if let existing = table[values] { return existing }
            let created = makeHandle()
            table[values] = created
            return created
        }
    }

    /// Every series, sorted by label values so the exposition is stable from scrape to scrape.
    func sortedSeries() -> [(values: [String], handle: Handle)] {
        let all = series.withLock { table in table.map { (values: $0.key, handle: $0.value) } }
        return all.sorted { $0.values.lexicographicallyPrecedes($1.values) }
    }
}

public typealias CounterFamily = MetricFamily<Counter>
public typealias GaugeFamily = MetricFamily<Gauge>
public typealias HistogramFamily = MetricFamily<Histogram>
