/// Decides whether a score is anomalous relative to the recent scores of its own key.
///
/// A score is anomalous when it exceeds `mean + k·σ` of the recent scores (or, for `.lower`, falls below
/// `mean − k·σ`), with k = 3 by default as the RCF literature suggests. RCF scores have no universal
/// scale (they depend on dimensions, shingling and data), so a fixed cut-off either floods or misses;
/// a per-key baseline is the fix.
///
/// **Why exponential decay, counted in observations.** "Recent" is an exponentially weighted mean and
/// variance whose weights halve every `halfLife` observations. Counting observations rather than time
/// keeps the detector a pure function of the score sequence (identical on replay, independent of event
/// time gaps and of wall clocks), and the exponential form needs O(1) state with no window buffer. A
/// step's weight is `α = 1 − 2^(−1/halfLife)`; the first `1/α` observations use `α = 1/n` instead,
/// which makes the start exactly Welford's running mean and population variance, so early estimates are
/// not biased toward the first score. The update (West 1979) folds the deviation in incrementally
/// (`δ = x − μ; μ += αδ; v = (1 − α)(v + αδ²)`), which stays numerically stable for large offsets.
///
/// **Anomalies do not inflate the baseline.** An anomalous score is folded in *clipped to the threshold*
/// (winsorized, as robust detectors do), not at its own value: a single spike 50σ high would otherwise
/// raise σ enough to hide the next few spikes. Clipping still moves the baseline toward a sustained
/// level shift (each clipped point pulls the mean up by `α·k·σ` and widens σ), so after a shift the
/// detector alerts for a while and then accepts the new level, roughly `0.4·halfLife` observations for a
/// 10σ shift at k = 3.
///
/// **Warm-up.** The first `warmUpObservations` scores (at least one) are folded in but never anomalous,
/// because a mean and σ from a handful of points would make nearly anything look extreme.
///
/// **Non-finite scores** (NaN, ±∞) are never anomalous and are not folded in (they would poison the
/// mean forever); the decision reports them as `.nonFiniteScore` and they are counted.
///
/// The decision carries the baseline the score was judged against, i.e. the statistics *before* the
/// score was folded in. `observe` does no heap allocation.
public struct AdaptiveThreshold: Sendable, Equatable {
    public let configuration: AdaptiveThresholdConfiguration
    let decayWeight: Double
    var state: AdaptiveThresholdState

    public init(configuration: AdaptiveThresholdConfiguration = AdaptiveThresholdConfiguration()) throws(AlertConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        decayWeight = configuration.decayWeight
        state = AdaptiveThresholdState()
    }

    /// Judges `score` against the baseline, then folds it in (clipped if anomalous).
    public mutating func observe(_ score: Double) -> ThresholdDecision {
        state.observe(score, configuration, decayWeight: decayWeight)
    }

    /// Scores folded into the baseline so far (non-finite scores excluded).
    public var observationCount: Int { state.count }
    /// Scores judged anomalous so far.
    public var anomalyCount: Int { state.anomalies }
    /// Non-finite scores seen (and rejected) so far.
    public var nonFiniteCount: Int { state.nonFinite }
    /// The current recent mean.
    public var mean: Double { state.mean }
    /// The current recent standard deviation (before the configured floor).
    public var standardDeviation: Double { state.variance.squareRoot() }
}

/// How an `AdaptiveThreshold` judges scores. Defaults follow issue 5: k = 3, 50 warm-up observations.
public struct AdaptiveThresholdConfiguration: Sendable, Equatable {
    /// Which side of the baseline is anomalous.
    public enum Tail: UInt8, Sendable, Equatable {
        /// Scores above `mean + k·σ` (anomaly scores, error rates).
        case upper = 0
        /// Scores below `mean − k·σ` (a sentiment or rating drop).
        case lower = 1
    }

    /// The number of standard deviations from the mean that counts as anomalous.
    public var k: Double
    /// Observations folded in before any score may be judged anomalous.
    public var warmUpObservations: Int
    /// Observations after which an old score's weight has halved.
    public var halfLife: Double
    public var tail: Tail
    /// A floor under σ, so a perfectly constant series does not turn the smallest wiggle into an alert.
    public var minimumStandardDeviation: Double

    public init(
        k: Double = 3,
        warmUpObservations: Int = 50,
        halfLife: Double = 500,
        tail: Tail = .upper,
        minimumStandardDeviation: Double = 0
    ) {
        self.k = k
        self.warmUpObservations = warmUpObservations
        self.halfLife = halfLife
        self.tail = tail
        self.minimumStandardDeviation = minimumStandardDeviation
    }

    func validate() throws(AlertConfigurationError) {
        guard k.isFinite, k > 0 else { throw AlertConfigurationError("k is \(k), expected a finite number > 0") }
        guard warmUpObservations >= 0 else {
            throw AlertConfigurationError("warmUpObservations is \(warmUpObservations), expected ≥ 0")
        }
        guard halfLife.isFinite, halfLife >= 1 else {
            throw AlertConfigurationError("halfLife is \(halfLife) observations, expected a finite number ≥ 1")
        }
        guard minimumStandardDeviation.isFinite, minimumStandardDeviation >= 0 else {
            throw AlertConfigurationError("minimumStandardDeviation is \(minimumStandardDeviation), expected a finite number ≥ 0")
        }
    }

    /// The per-observation weight of the newest score once past the Welford start: `1 − 2^(−1/halfLife)`.
    var decayWeight: Double { -expMinusOne(-0.693_147_180_559_945_3 / halfLife) }
}

/// `eˣ − 1` for `x` in [−ln 2, 0] by its Taylor series, accurate to double precision there; it keeps
/// Foundation and libm out of this module for one constant computed at configuration time.
private func expMinusOne(_ x: Double) -> Double {
    var term = x
    var sum = x
    for n in 2...30 {
        term *= x / Double(n)
        sum += term
    }
    return sum
}

/// What `AdaptiveThreshold.observe` decided about one score, with the baseline it was judged against.
public struct ThresholdDecision: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        /// Fewer than `warmUpObservations` scores had been folded in: never anomalous.
        case warmingUp
        case normal
        case anomalous
        /// NaN or ±∞: never anomalous, not folded in.
        case nonFiniteScore
    }

    public let status: Status
    /// `mean + k·σ` (or `mean − k·σ` for the lower tail), with σ floored by the configuration.
    public let threshold: Double
    public let mean: Double
    public let standardDeviation: Double
    /// Scores folded into the baseline before this one.
    public let observationCount: Int

    public var isAnomalous: Bool { status == .anomalous }
    public var isWarmingUp: Bool { status == .warmingUp }

    /// How many standard deviations `score` lies from the mean (0 when σ is 0), for alert context.
    public func deviations(of score: Double) -> Double {
        standardDeviation > 0 ? (score - mean) / standardDeviation : 0
    }
}

/// The per-key numbers of an adaptive threshold; the configuration lives with the owner, once.
struct AdaptiveThresholdState: Sendable, Equatable {
    var count = 0
    var mean = 0.0
    var variance = 0.0
    var anomalies = 0
    var nonFinite = 0

    mutating func observe(
        _ score: Double, _ configuration: AdaptiveThresholdConfiguration, decayWeight: Double
    ) -> ThresholdDecision {
        let baselineMean = mean
        let baselineCount = count
        let sigma = max(variance.squareRoot(), configuration.minimumStandardDeviation)
        let margin = configuration.k * sigma
        let threshold = configuration.tail == .upper ? mean + margin : mean - margin
        let status: ThresholdDecision.Status
        if !score.isFinite {
            nonFinite += 1
            status = .nonFiniteScore
        } else if count < max(configuration.warmUpObservations, 1) {
            status = .warmingUp
            fold(score, decayWeight)
        } else {
            let beyond = configuration.tail == .upper ? score > threshold : score < threshold
            status = beyond ? .anomalous : .normal
            if beyond { anomalies += 1 }
            // Clip to the threshold, except when the spread is zero: clipping would then fold in the
            // mean itself and a constant series that shifts level would stay anomalous forever.
            fold(beyond && margin > 0 ? threshold : score, decayWeight)
        }
        return ThresholdDecision(
            status: status, threshold: threshold, mean: baselineMean, standardDeviation: sigma,
            observationCount: baselineCount)
    }

    private mutating func fold(_ value: Double, _ decayWeight: Double) {
        count += 1
        let weight = max(decayWeight, 1 / Double(count))
        let deviation = value - mean
        let increment = weight * deviation
        mean += increment
        variance = (1 - weight) * (variance + deviation * increment)
    }
}
