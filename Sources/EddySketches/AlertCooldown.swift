/// A per-key burst gate: one alert at once, the rest of the burst counted, one follow-up at the end.
///
/// The first anomaly of a burst returns `.raise` and opens a cool-down of `cooldownMilliseconds` of
/// event time. Anomalies inside it (event time `< raisedAt + cooldown`) return `.suppress` and are
/// counted. The cool-down ends at the first event time `≥ raisedAt + cooldown`, discovered either by
/// the key's next observation or by `advance(to:)` on a watermark; if anything was suppressed, exactly
/// one follow-up carries the count. A burst therefore yields one or two alerts, not hundreds.
///
/// **Why the cool-down runs from the raise and is not extended by later anomalies:** a sliding cool-down
/// would silence a persisting problem forever. With a fixed one, a problem that lasts keeps producing one
/// raise and at most one follow-up per cool-down period, a steady reminder rather than a flood.
///
/// **Why event time only:** decisions must be identical on replay and after restore from a checkpoint,
/// so there is no wall clock anywhere. Records that arrive out of order inside the cool-down are simply
/// counted; a record older than the raise still belongs to the burst.
///
/// Nothing here allocates.
public struct AlertCooldown: Sendable, Equatable {
    public let cooldownMilliseconds: Int64
    var state = AlertCooldownState()

    public init(cooldownMilliseconds: Int64) throws(AlertConfigurationError) {
        try AlertCooldownState.validate(cooldownMilliseconds)
        self.cooldownMilliseconds = cooldownMilliseconds
    }

    /// Feeds one record's verdict (anomalous or not) at its event time, in milliseconds.
    public mutating func observe(isAnomalous: Bool, at eventTime: Int64) -> CooldownDecision {
        state.observe(isAnomalous: isAnomalous, at: eventTime, cooldown: cooldownMilliseconds)
    }

    /// Ends the cool-down if `eventTime` (typically the watermark) has reached its end, returning the
    /// follow-up to send if anomalies were suppressed.
    public mutating func advance(to eventTime: Int64) -> AlertFollowUp? {
        state.advance(to: eventTime)
    }

    /// True while a cool-down is open.
    public var isCoolingDown: Bool { state.active }
    /// Anomalies counted (not sent) in the open cool-down.
    public var pendingSuppressedCount: Int { state.suppressed }
}

/// What to do with one record after the cool-down gate.
public enum CooldownDecision: Sendable, Equatable {
    /// Not anomalous and nothing pending: send nothing.
    case quiet
    /// The first anomaly of a burst: send an alert now.
    case raise
    /// An anomaly inside the cool-down: counted, not sent.
    case suppress
    /// The previous cool-down had ended with suppressed anomalies: send this follow-up; the record
    /// itself is not anomalous.
    case followUp(AlertFollowUp)
    /// The previous cool-down had ended with suppressed anomalies, and this record starts a new burst:
    /// send the follow-up, then an alert for this record.
    case followUpThenRaise(AlertFollowUp)

    /// The follow-up to send, if any.
    public var followUp: AlertFollowUp? {
        switch self {
        case .followUp(let followUp), .followUpThenRaise(let followUp): return followUp
        case .quiet, .raise, .suppress: return nil
        }
    }

    /// True when the current record itself should be sent as an alert.
    public var raisesAlert: Bool {
        switch self {
        case .raise, .followUpThenRaise: return true
        case .quiet, .suppress, .followUp: return false
        }
    }
}

/// The one alert that closes a burst: how many anomalies were held back, and when.
public struct AlertFollowUp: Sendable, Equatable {
    /// Anomalies suppressed during the cool-down (≥ 1).
    public let suppressedCount: Int
    /// Event time of the alert that opened the burst.
    public let burstStartedAt: Int64
    /// Event time at which the cool-down ended (`burstStartedAt + cooldown`).
    public let cooldownEndedAt: Int64
    /// Latest event time among the suppressed anomalies.
    public let lastSuppressedAt: Int64
}

/// The numbers of one key's cool-down; the duration lives with the owner, once.
struct AlertCooldownState: Sendable, Equatable {
    var active = false
    var raisedAt: Int64 = 0
    var endsAt: Int64 = 0
    var suppressed = 0
    var lastSuppressedAt: Int64 = 0

    static func validate(_ cooldown: Int64) throws(AlertConfigurationError) {
        guard cooldown > 0 else {
            throw AlertConfigurationError("cooldownMilliseconds is \(cooldown), expected > 0")
        }
    }

    mutating func observe(isAnomalous: Bool, at eventTime: Int64, cooldown: Int64) -> CooldownDecision {
        let closed = advance(to: eventTime)
        guard isAnomalous else { return closed.map(CooldownDecision.followUp) ?? .quiet }
        if active {
            suppressed += 1
            lastSuppressedAt = suppressed == 1 ? eventTime : max(lastSuppressedAt, eventTime)
            return .suppress
        }
        active = true
        raisedAt = eventTime
        let (end, overflow) = eventTime.addingReportingOverflow(cooldown)
        endsAt = overflow ? Int64.max : end
        suppressed = 0
        lastSuppressedAt = 0
        return closed.map(CooldownDecision.followUpThenRaise) ?? .raise
    }

    mutating func advance(to eventTime: Int64) -> AlertFollowUp? {
        guard active, eventTime >= endsAt else { return nil }
        active = false
        guard suppressed > 0 else { return nil }
        let followUp = AlertFollowUp(
            suppressedCount: suppressed, burstStartedAt: raisedAt, cooldownEndedAt: endsAt,
            lastSuppressedAt: lastSuppressedAt)
        suppressed = 0
        return followUp
    }
}
