/// Why a metric could not be registered. Registration happens once per handle, off the hot path,
/// so it reports bad names and conflicting declarations instead of trapping.
public struct MetricsError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func invalidMetricName(_ name: String) -> MetricsError {
        MetricsError("metric name '\(name)' is not valid in Prometheus: use [a-zA-Z_:][a-zA-Z0-9_:]*")
    }

    static func invalidLabelName(_ name: String, metric: String) -> MetricsError {
        MetricsError(
            "label name '\(name)' of metric '\(metric)' is not valid in Prometheus: "
                + "use [a-zA-Z_][a-zA-Z0-9_]* and do not start with '__'"
        )
    }

    static func duplicateLabelName(_ name: String, metric: String) -> MetricsError {
        MetricsError("label name '\(name)' appears twice in metric '\(metric)'")
    }

    static func conflictingDeclaration(_ name: String, existing: String, requested: String) -> MetricsError {
        MetricsError(
            "metric '\(name)' is already registered as \(existing); it cannot also be \(requested). "
                + "Use one declaration per metric name."
        )
    }

    static func labelCountMismatch(metric: String, expected: [String], got: Int) -> MetricsError {
        MetricsError(
            "metric '\(metric)' has labels \(expected) (\(expected.count)) but \(got) label values were given"
        )
    }

    static func invalidBuckets(metric: String) -> MetricsError {
        MetricsError(
            "histogram '\(metric)' needs at least one finite bucket bound, in strictly increasing order"
        )
    }
}
