import EddyKafka
import EddyWorkload
import Foundation

/// Turns consumed records into `eddy tail` output lines.
///
/// - JSON mode (not a TTY, or `--json`): one JSON line per record: the value itself when it is JSON
///   (re-serialised compactly if it spans lines), else the value as a JSON string.
/// - Readable mode (TTY): records Eddy knows (alerts: an object with "kind" and "summary") become one
///   summary line; other JSON is pretty-printed under a `topic[partition]@offset` header.
struct TailFormatter {
    let json: Bool

    func format(_ record: KafkaRecord) -> String {
        json ? jsonLine(record.value) : readable(record)
    }

    func jsonLine(_ value: [UInt8]) -> String {
        // Fast path: a single-line JSON object (what Eddy's topics carry) is printed unchanged.
        if !value.contains(0x0A), !value.contains(0x0D), JSONObjectValidator.problem(in: value) == nil {
            return String(decoding: value, as: UTF8.self)
        }
        if !value.contains(0x0A), !value.contains(0x0D), (try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed])) != nil {
            return String(decoding: value, as: UTF8.self)
        }
        if let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed]),
           let compact = try? JSONSerialization.data(withJSONObject: parsed, options: [.fragmentsAllowed, .withoutEscapingSlashes]) {
            return String(decoding: compact, as: UTF8.self)
        }
        return Self.jsonString(String(decoding: value, as: UTF8.self))
    }

    func readable(_ record: KafkaRecord) -> String {
        let parsed = try? JSONSerialization.jsonObject(with: Data(record.value), options: [.fragmentsAllowed])
        if let object = parsed as? [String: Any], let kind = object["kind"] as? String, let summary = object["summary"] as? String {
            let time = (object["event_time"] as? NSNumber).map { Self.time(millis: $0.int64Value) }
                ?? record.timestampMillis.map(Self.time(millis:)) ?? "-"
            return "\(time)  \(kind.uppercased())  \(summary)"
        }
        let key = record.key.map { " key=\(String(decoding: $0, as: UTF8.self))" } ?? ""
        let header = "\(record.topic)[\(record.partition)]@\(record.offset)\(key)"
        if let parsed, let pretty = try? JSONSerialization.data(withJSONObject: parsed, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) {
            return header + "\n" + String(decoding: pretty, as: UTF8.self)
        }
        return header + "\n" + String(decoding: record.value, as: UTF8.self)
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func time(millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
