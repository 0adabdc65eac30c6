internal import CRdKafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// librdkafka properties for one client, in the order they were given.
///
/// Every key librdkafka knows passes through unchanged (`-X key=value` on the CLI); librdkafka
/// validates each one, and its own error text is what the user sees. Later entries override
/// earlier ones, so defaults go first and user overrides last.
public struct KafkaConfiguration: Sendable, Hashable {
    /// The properties in application order.
    public var properties: [(key: String, value: String)] { storage.map { (key: $0.key, value: $0.value) } }
    private var storage: [Pair]

    private struct Pair: Sendable, Hashable {
        let key: String, value: String
        init(_ key: String, _ value: String) { self.key = key; self.value = value }
        var tuple: (String, String) { (key, value) }
    }

    public init(bootstrapServers: String? = nil, properties: [(String, String)] = []) {
        storage = []
        if let bootstrapServers { storage.append(Pair("bootstrap.servers", bootstrapServers)) }
        for (key, value) in properties { storage.append(Pair(key, value)) }
    }

    /// Sets (or overrides) one property.
    public mutating func set(_ key: String, _ value: String) {
        storage.removeAll { $0.key == key }
        storage.append(Pair(key, value))
    }

    /// The value that will be applied for `key`, if any.
    public subscript(key: String) -> String? {
        storage.last { $0.key == key }?.value
    }

    /// Appends `other`'s properties after ours, so they win.
    public func merging(_ other: KafkaConfiguration) -> KafkaConfiguration {
        var merged = self
        for pair in other.storage { merged.set(pair.key, pair.value) }
        return merged
    }

    /// Parses `key=value` (the CLI's `-X` form). Fails with a message naming the bad argument.
    public static func parseAssignment(_ text: String) throws(KafkaError) -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw KafkaError(kind: .configuration, message: "-X expects key=value, got '\(text)'")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Builds an `rd_kafka_conf_t` (the caller owns it). Errors carry librdkafka's own text.
    func makeNativeConf() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, message: "librdkafka could not allocate a configuration")
        }
        // Silence librdkafka's stderr logging by default: the CLI reports errors itself, one line each.
        rd_kafka_conf_set_log_cb(conf, quietLogCallback)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for pair in storage {
            let result = rd_kafka_conf_set(conf, pair.key, pair.value, &errorBuffer, errorBuffer.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(kind: .configuration, message: "invalid Kafka property \(pair.key)=\(pair.value): \(text)")
            }
        }
        return conf
    }
}

extension KafkaConfiguration {
    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool { lhs.storage == rhs.storage }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

/// Drops librdkafka's log lines unless `EDDY_KAFKA_LOG` is set; errors reach callers as `KafkaError`s.
private let quietLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    _, level, facility, buffer in
    guard kafkaLogEnabled, let facility, let buffer else { return }
    // Monotonic seconds (mod 1000) with nanoseconds: enough to see gaps between librdkafka events.
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let stamp = Double(now.tv_sec % 1000) + Double(now.tv_nsec) / 1e9
    let line = "\(stamp) librdkafka \(level) \(String(cString: facility)): \(String(cString: buffer))\n"
    fputsStderr(line)
}

private let kafkaLogEnabled: Bool = getenv("EDDY_KAFKA_LOG") != nil
