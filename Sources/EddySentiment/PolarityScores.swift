/// VADER's `polarity_scores` result. VADER rounds these for display (neg/neu/pos to 3 decimals,
/// compound to 4); Eddy returns them unrounded.
public struct PolarityScores: Sendable, Equatable {
    /// Share of the text's weight that is negative, in [0, 1].
    public var negative: Double
    /// Share of the text's weight that is neutral, in [0, 1].
    public var neutral: Double
    /// Share of the text's weight that is positive, in [0, 1].
    public var positive: Double
    /// The normalized, weighted composite score in [-1, 1]: the one number SENTIMENT returns.
    public var compound: Double

    public init(negative: Double, neutral: Double, positive: Double, compound: Double) {
        self.negative = negative
        self.neutral = neutral
        self.positive = positive
        self.compound = compound
    }

    /// What VADER returns for text without tokens.
    public static let empty = PolarityScores(negative: 0, neutral: 0, positive: 0, compound: 0)
}
