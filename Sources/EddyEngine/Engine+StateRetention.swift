public import EddySQL

/// Idle-key retention (issue 6: state size is bounded). Keyed state that exact rules cannot bound
/// (sliding ROWS frames and LAG, per-key forests, alert thresholds and cool-downs) is dropped for a
/// key idle longer than this much event time; see `KeyExpiry` and topologies/README.md.
extension Engine {
    /// 24 hours of event time, unless a stream sets `'state_retention'`.
    public static let defaultStateRetentionMillis: Int64 = 86_400_000

    /// The retention of pumps reading `stream`: the stream's own `'state_retention'`, else the
    /// longest of the streams that feed it (keeping state rather than losing it), else the default.
    /// `Int64.max` means never.
    public static func stateRetention(of stream: Int, in topology: Topology) -> Int64 {
        var visiting: Set<Int> = []
        return stateRetention(of: stream, in: topology, visiting: &visiting)
    }

    static func stateRetention(of stream: Int, in topology: Topology, visiting: inout Set<Int>) -> Int64 {
        if let own = topology.streams[stream].binding.stateRetentionMillis { return own }
        visiting.insert(stream)
        defer { visiting.remove(stream) }
        var longest: Int64?
        for pump in topology.pumps where pump.target == stream && !visiting.contains(pump.source) {
            let inherited = stateRetention(of: pump.source, in: topology, visiting: &visiting)
            longest = max(longest ?? inherited, inherited)
        }
        return longest ?? defaultStateRetentionMillis
    }

    /// Keys whose state the operators have dropped since the engine started: stagger windows'
    /// keys after their window fired, sliding windows' and per-key forests' and alerts' keys that
    /// expired (`eddy_state_evicted_keys_total`). Not part of snapshots: a process-local counter.
    public var evictedStateKeys: Int {
        var total = 0
        for op in orderedOperators { total += (op as? any KeyEvictingOperator)?.evictedKeys ?? 0 }
        return total
    }

    /// The same per pump, in execution order.
    public var evictedStateKeysByPump: [(pump: String, keys: Int)] {
        zip(orderedOperators, orderedPumps).compactMap { op, pump in
            (op as? any KeyEvictingOperator).map { (pump.name, $0.evictedKeys) }
        }
    }
}
