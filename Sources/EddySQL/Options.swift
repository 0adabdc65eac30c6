import EddyCore

/// Parses and checks `WITH (...)` / `SET (...)` binding options. Unknown options are errors.
enum OptionParser {
    static let known = ["topic", "format", "rowtime", "lateness", "idle_timeout", "max_future_skew", "key", "partitions", "partition_key", "state_retention"]

    static func apply(_ options: [OptionDefinition], to binding: inout Binding, schema: Schema,
                      declaredSpellings: [String]) throws(Diagnostic) {
        for option in options {
            let value = option.value.trimmingSpaces
            switch option.key.lowercased() {
            case "topic":
                guard !value.isEmpty else { throw Diagnostic(option.location, "empty topic", hint: "name a Kafka topic, e.g. 'topic' = 'reviews'") }
                binding.topic = value
            case "format":
                guard let format = Binding.Format(rawValue: value.lowercased()) else {
                    throw Diagnostic(option.location, "unknown format '\(value)'", hint: "use 'json', 'csv' or 'tsv' ('raw' for an output stream whose one VARCHAR column is the message)")
                }
                binding.format = format
            case "rowtime":
                guard let index = resolveColumn(value, schema: schema, spellings: declaredSpellings) else {
                    throw Diagnostic(option.location, "rowtime column '\(value)' is not a column of this stream",
                                     hint: "name a BIGINT (epoch milliseconds) or TIMESTAMP column: \(schema.columns.map(\.name).joined(separator: ", "))")
                }
                let type = schema.columns[index].type
                guard type == .bigint || type == .timestamp else {
                    throw Diagnostic(option.location, "rowtime column '\(value)' is \(type)", hint: "use a BIGINT column of epoch milliseconds or a TIMESTAMP column")
                }
                binding.rowtimeColumn = index
            case "lateness":
                binding.latenessMillis = try duration(value, option)
            case "idle_timeout":
                binding.idleTimeoutMillis = try duration(value, option)
            case "max_future_skew":
                // 'none' turns the guard off (a source that legitimately carries future event times).
                binding.maxFutureSkewMillis = value.lowercased() == "none" ? nil : try duration(value, option)
            case "state_retention":
                // 'never' keeps idle keys forever (state then grows with the distinct keys).
                if value.lowercased() == "never" {
                    binding.stateRetentionMillis = .max
                } else {
                    let millis = try duration(value, option)
                    guard millis > 0 else {
                        throw Diagnostic(option.location, "state_retention must be positive, found '\(value)'",
                                         hint: "write e.g. '24 HOURS', or 'never' to keep idle keys forever")
                    }
                    binding.stateRetentionMillis = millis
                }
            case "key":
                var columns: [Int] = []
                for part in value.split(separator: ",") {
                    let name = String(part).trimmingSpaces
                    guard let index = resolveColumn(name, schema: schema, spellings: declaredSpellings) else {
                        throw Diagnostic(option.location, "key column '\(name)' is not a column of this stream",
                                         hint: "list columns of the stream separated by commas: \(schema.columns.map(\.name).joined(separator: ", "))")
                    }
                    columns.append(index)
                }
                binding.keyColumns = columns
            case "partition_key":
                guard let index = resolveColumn(value, schema: schema, spellings: declaredSpellings) else {
                    throw Diagnostic(option.location, "partition_key column '\(value)' is not a column of this stream",
                                     hint: "name the column the topic's messages are keyed by (records with equal values share a partition): \(schema.columns.map(\.name).joined(separator: ", "))")
                }
                binding.partitionKeyColumn = index
                binding.partitionKeyLocation = option.location
            case "partitions":
                guard let n = Int(value), n > 0 else {
                    throw Diagnostic(option.location, "partitions must be a positive whole number, found '\(value)'", hint: "write e.g. 'partitions' = '6'")
                }
                binding.partitions = n
            default:
                throw Diagnostic(option.location, "unknown option '\(option.key)'", hint: "options are \(known.map { "'\($0)'" }.joined(separator: ", "))")
            }
        }
    }

    static func resolveColumn(_ name: String, schema: Schema, spellings: [String]) -> Int? {
        if let i = schema.columns.firstIndex(where: { $0.name == name }) { return i }
        if let i = spellings.firstIndex(of: name) { return i }
        return schema.columns.firstIndex { $0.name == name.uppercased() }
    }

    /// `'5 SECONDS'`, `'500 MILLISECONDS'`, `'2 MINUTES'`, or a bare number of milliseconds.
    static func duration(_ text: String, _ option: OptionDefinition) throws(Diagnostic) -> Int64 {
        let parts = text.split(separator: " ").map(String.init)
        if parts.count == 1, let ms = Int64(parts[0]), ms >= 0 { return ms }
        if parts.count == 2, let n = Int64(parts[0]), n >= 0, let unit = TimeUnit(word: parts[1]) {
            let (millis, overflow) = n.multipliedReportingOverflow(by: unit.millis)
            if !overflow { return millis }
        }
        let never = option.key.lowercased() == "state_retention" ? ", or 'never' to keep idle keys forever" : ""
        throw Diagnostic(option.location, "bad duration '\(text)' for '\(option.key)'", hint: "write an amount and a unit, e.g. '5 SECONDS' or '500 MILLISECONDS'\(never)")
    }
}
