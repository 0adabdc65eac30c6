import Synchronization

/// All metric families of one process, rendered together for `/metrics`.
///
/// Declaring a family is idempotent: asking again with the same type, help and label names returns
/// the same family, so independent components can declare the metrics they update. A different
/// type or label list for an existing name is an error, never a silent second family.
public final class MetricsRegistry: Sendable {
    enum AnyFamily: Sendable {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily, bounds: [Double])

        var type: MetricType {
            switch self {
            case .counter: .counter
            case .gauge: .gauge
            case .histogram: .histogram
            }
        }

        var labelNames: [String] {
            switch self {
            case .counter(let family): family.labelNames
            case .gauge(let family): family.labelNames
            case .histogram(let family, _): family.labelNames
            }
        }
    }

    let families = Mutex<[String: AnyFamily]>([:])

    public init() {}

    /// Declares (or returns) a counter family. Prometheus convention: the name ends in `_total`.
    public func counter(_ name: String, help: String, labelNames: [String] = []) throws(MetricsError) -> CounterFamily {
        let requested = AnyFamily.counter(CounterFamily(name: name, help: help, labelNames: labelNames) { Counter() })
        guard case .counter(let family) = try declare(name, labelNames: labelNames, requested) else {
            throw .conflictingDeclaration(name, existing: "another type", requested: "a counter")
        }
        return family
    }

    /// Declares (or returns) a gauge family.
    public func gauge(_ name: String, help: String, labelNames: [String] = []) throws(MetricsError) -> GaugeFamily {
        let requested = AnyFamily.gauge(GaugeFamily(name: name, help: help, labelNames: labelNames) { Gauge() })
        guard case .gauge(let family) = try declare(name, labelNames: labelNames, requested) else {
            throw .conflictingDeclaration(name, existing: "another type", requested: "a gauge")
        }
        return family
    }

    /// Declares (or returns) a histogram family with these bucket upper bounds (`+Inf` is implicit).
    public func histogram(
        _ name: String, help: String, buckets: [Double], labelNames: [String] = []
    ) throws(MetricsError) -> HistogramFamily {
        let finite = buckets.filter { $0.isFinite }
        guard !finite.isEmpty, finite.count == buckets.count || buckets.last == .infinity,
            zip(finite, finite.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw .invalidBuckets(metric: name) }
        guard !labelNames.contains("le") else { throw .invalidLabelName("le", metric: name) }
        let family = HistogramFamily(name: name, help: help, labelNames: labelNames) { Histogram(upperBounds: finite) }
        let requested = AnyFamily.histogram(family, bounds: finite)
        guard case .histogram(let existing, let bounds) = try declare(name, labelNames: labelNames, requested),
            bounds == finite
        else {
            throw .conflictingDeclaration(name, existing: "another type or other buckets", requested: "this histogram")
        }
        return existing
    }

    private func declare(_ name: String, labelNames: [String], _ requested: AnyFamily) throws(MetricsError) -> AnyFamily {
        guard PrometheusNames.isValidMetricName(name) else { throw .invalidMetricName(name) }
        var seen = Set<String>()
        for label in labelNames {
            guard PrometheusNames.isValidLabelName(label) else { throw .invalidLabelName(label, metric: name) }
            guard seen.insert(label).inserted else { throw .duplicateLabelName(label, metric: name) }
        }
        let result: Result<AnyFamily, MetricsError> = families.withLock { table in
            guard let existing = table[name] else {
                table[name] = requested
                return .success(requested)
            }
            guard existing.type == requested.type, existing.labelNames == labelNames else {
                return .failure(
                    .conflictingDeclaration(
                        name,
                        existing: "a \(existing.type.rawValue) with labels \(existing.labelNames)",
                        requested: "a \(requested.type.rawValue) with labels \(labelNames)"
                    )
                )
            }
            return .success(existing)
        }
        return try result.get()
    }

    /// Every family, sorted by name.
    func sortedFamilies() -> [AnyFamily] {
        families.withLock { table in table.sorted { $0.key < $1.key }.map(\.value) }
    }

    /// The current value of every series, for readers such as the dashboard's health panel.
    public func snapshot() -> [MetricSample] {
        var samples: [MetricSample] = []
        for family in sortedFamilies() {
            switch family {
            case .counter(let f):
                for (values, handle) in f.sortedSeries() {
                    samples.append(MetricSample(name: f.name, labels: zip(f.labelNames, values).map(Label.init), value: Double(handle.value)))
                }
            case .gauge(let f):
                for (values, handle) in f.sortedSeries() {
                    samples.append(MetricSample(name: f.name, labels: zip(f.labelNames, values).map(Label.init), value: handle.value))
                }
            case .histogram(let f, _):
                for (values, handle) in f.sortedSeries() {
                    let labels = zip(f.labelNames, values).map(Label.init)
                    samples.append(MetricSample(name: f.name + "_count", labels: labels, value: Double(handle.count)))
                    samples.append(MetricSample(name: f.name + "_sum", labels: labels, value: handle.sum))
                }
            }
        }
        return samples
    }

    /// The Prometheus text exposition format (version 0.0.4) of every family.
    public func render() -> String {
        var out = ""
        out.reserveCapacity(4096)
        PrometheusTextRenderer.render(sortedFamilies(), into: &out)
        return out
    }
}

/// One label of a sample.
public struct Label: Hashable, Sendable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One series value at the time of `MetricsRegistry.snapshot()`.
public struct MetricSample: Hashable, Sendable {
    public let name: String
    public let labels: [Label]
    public let value: Double

    /// The value of label `name`, if the sample has it.
    public func label(_ name: String) -> String? {
        labels.first { $0.name == name }?.value
    }
}
