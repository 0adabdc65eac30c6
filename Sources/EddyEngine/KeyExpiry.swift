/// When a keyed operator's per-key state expires (issue 6: state size is bounded).
///
/// A key expires once its newest row is more than `span` of event time behind the watermark:
/// `lastSeen < watermark − span`. The span is the window's range where expiry is exact (a sliding
/// RANGE frame: no future row can reach rows that old), else the topology's idle-key retention
/// (`state_retention`, `Engine.defaultStateRetentionMillis`; `.max` for 'never').
///
/// Expiry is applied in two ways that give the same results:
/// - **logically, on access:** a row of an expired key finds its state gone (the operator removes
///   it and starts the key afresh), whether or not a scan freed it yet;
/// - **physically, by scans on watermarks:** `scanIsDue` says when a pass over all keys is worth
///   it: only once the cutoff has passed the oldest key's last row by an eighth of the span, so
///   scans cost O(keys) at most once per span/8 of event time, and never per record.
///
/// Snapshots scan first, so what is written never holds an expired key.
struct KeyExpiry {
    /// Event time a key may stay idle (ms); `.max`: never expires.
    let span: Int64
    /// How far past the oldest key the cutoff must move before a scan pays off.
    let slack: Int64
    /// Keys whose newest row is older than this are expired (`.min`: none).
    private(set) var cutoff: Int64 = .min
    /// The watermark the cutoff follows (snapshots store it, so a restored operator expires alike).
    private(set) var watermark: Int64 = .min
    /// A lower bound on the newest-row time of every key present (`.max`: none).
    var oldest: Int64 = .max
    /// Keys expired so far (for `eddy_state_evicted_keys_total`).
    var evictedKeys = 0

    init(span: Int64) {
        self.span = max(span, 0)
        slack = span == .max ? .max : max(span / 8, 1)
    }

    /// Moves the cutoff with the watermark.
    mutating func advance(to watermark: Int64) {
        self.watermark = watermark
        guard span != .max, watermark != .min else { return }
        let (difference, overflow) = watermark.subtractingReportingOverflow(span)
        cutoff = overflow ? .min : difference
    }

    @inline(__always) func isExpired(_ lastSeen: Int64) -> Bool { lastSeen < cutoff }

    /// Records a key that just got state, its newest row at `rowtime`.
    @inline(__always) mutating func added(at rowtime: Int64) {
        if rowtime < oldest { oldest = rowtime }
    }

    /// Whether some key present may have expired.
    var mayHaveExpired: Bool { cutoff > oldest }

    /// Whether a physical scan over every key is due (see the type's comment).
    var scanIsDue: Bool {
        guard oldest != .max, cutoff > oldest else { return false }
        let (reach, overflow) = oldest.addingReportingOverflow(slack)
        return !overflow && cutoff > reach
    }
}

/// An operator that drops per-key state, and counts the keys it dropped (the engine sums them for
/// `eddy_state_evicted_keys_total`).
protocol KeyEvictingOperator: AnyObject {
    var evictedKeys: Int { get }
}
