/// Writes the Prometheus text exposition format 0.0.4:
/// `# HELP` and `# TYPE` once per family, then one line per series, families sorted by name and
/// series by label values, so two scrapes of the same state are byte-identical.
enum PrometheusTextRenderer {
    static func render(_ families: [MetricsRegistry.AnyFamily], into out: inout String) {
        for family in families {
            switch family {
            case .counter(let f):
                header(f.name, f.help, .counter, into: &out)
                for (values, handle) in f.sortedSeries() {
                    sample(f.name, f.labelNames, values, extra: nil, value: String(handle.value), into: &out)
                }
            case .gauge(let f):
                header(f.name, f.help, .gauge, into: &out)
                for (values, handle) in f.sortedSeries() {
                    sample(f.name, f.labelNames, values, extra: nil, value: format(handle.value), into: &out)
                }
            case .histogram(let f, let bounds):
                header(f.name, f.help, .histogram, into: &out)
                for (values, handle) in f.sortedSeries() {
                    let cumulative = handle.cumulativeCounts
                    for (index, count) in cumulative.enumerated() {
                        let le = index < bounds.count ? format(bounds[index]) : "+Inf"
                        sample(f.name + "_bucket", f.labelNames, values, extra: ("le", le), value: String(count), into: &out)
                    }
                    sample(f.name + "_sum", f.labelNames, values, extra: nil, value: format(handle.sum), into: &out)
                    // The +Inf bucket read above, so `_count` always equals it within one scrape.
                    sample(f.name + "_count", f.labelNames, values, extra: nil, value: String(cumulative.last ?? 0), into: &out)
                }
            }
        }
    }

    private static func header(_ name: String, _ help: String, _ type: MetricType, into out: inout String) {
        out += "# HELP "
        out += name
        out += " "
        escape(help, quotes: false, into: &out)
        out += "\n# TYPE "
        out += name
        out += " "
        out += type.rawValue
        out += "\n"
    }

    private static func sample(
        _ name: String, _ labelNames: [String], _ values: [String], extra: (String, String)?, value: String,
        into out: inout String
    ) {
        out += name
        if !labelNames.isEmpty || extra != nil {
            out += "{"
            var first = true
            for (label, labelValue) in zip(labelNames, values) {
                if !first { out += "," }
                first = false
                out += label
                out += "=\""
                escape(labelValue, quotes: true, into: &out)
                out += "\""
            }
            if let (label, labelValue) = extra {
                if !first { out += "," }
                out += label
                out += "=\""
                out += labelValue
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += value
        out += "\n"
    }

    /// HELP text escapes `\` and newline; label values also escape `"`.
    static func escape(_ text: String, quotes: Bool, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    /// Go's ParseFloat syntax: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
