import Foundation

/// Any JSON value, decoded strictly (a number never reads as a boolean, nor the reverse), so a
/// repeated row can be compared field by field.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Top-level field `name` of an object, as text (strings unquoted), for naming a row.
    func field(_ name: String) -> String? {
        guard case .object(let fields) = self, let value = fields[name] else { return nil }
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .number(let number): return String(number)
        case .string(let text): return text
        case .array, .object: return String(describing: value)
        }
    }
}

/// One output row reduced to what a repeat is compared on: its exact bytes, its non-numeric content
/// (field paths, strings, booleans, nulls) and its numbers in field-path order. Numbers are kept as
/// values, not hashes, because floating-point sums replayed in another order may differ in the
/// last bits; the paths of those numbers are kept once per topic and shape (`shape` indexes them).
struct RowFingerprint {
    var bytesHash: Int
    var exactHash: Int
    var numbers: [Double]
    var shape: Int
    /// The row's text, kept only for low-volume topics (windowed rollups), for examples.
    var text: String?

    /// Flattens `value` into (path, number) pairs and a hash of everything else (paths included, so
    /// an added or missing field differs); strings holding a JSON object are flattened as well.
    static func flatten(_ value: JSONValue) -> (paths: [String], numbers: [Double], exactHash: Int) {
        var paths: [String] = [], numbers: [Double] = [], hasher = Hasher()
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .null: hasher.combine(path); hasher.combine(0)
            case .bool(let flag): hasher.combine(path); hasher.combine(flag)
            case .string(let text):
                // A JSON object held as text (RCF explanations) is compared field by field too.
                if text.hasPrefix("{"), let nested = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
                    walk(nested, path + "→")
                } else {
                    hasher.combine(path)
                    hasher.combine(text)
                }
            case .number(let number): hasher.combine(path); paths.append(path); numbers.append(number)
            case .array(let items):
                hasher.combine(path); hasher.combine(items.count)
                for (index, item) in items.enumerated() { walk(item, "\(path)[\(index)]") }
            case .object(let fields):
                hasher.combine(path)
                for name in fields.keys.sorted() { walk(fields[name]!, path.isEmpty || path.hasSuffix("→") ? path + name : "\(path).\(name)") }
            }
        }
        walk(value, "")
        return (paths, numbers, hasher.finalize())
    }

    /// |a − b| / max(|a|, |b|), 0 when equal (so 0 == −0 and equal infinities agree).
    static func relativeDifference(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        if a.isNaN && b.isNaN { return 0 }
        let scale = max(abs(a), abs(b))
        return scale.isFinite && scale > 0 ? abs(a - b) / scale : .infinity
    }
}
