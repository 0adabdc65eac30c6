/// Directional attribution of an anomaly score: for each dimension, how much of the score comes from
/// the value being higher (`high`) or lower (`low`) than what the forest has seen. AWS's DiVector.
public struct DiVector: Sendable, Equatable {
    public var high: [Double]
    public var low: [Double]

    public init(dimensions: Int) {
        high = [Double](repeating: 0, count: dimensions)
        low = [Double](repeating: 0, count: dimensions)
    }

    public var dimensions: Int { high.count }

    /// Σ (high + low): equals the anomaly score it explains.
    public var total: Double {
        var sum = 0.0
        for i in 0..<high.count { sum += high[i] + low[i] }
        return sum
    }
}

/// One input column's share of an anomaly score, summed over its shingle positions.
public struct ColumnAttribution: Sendable, Equatable {
    public var high: Double
    public var low: Double

    public init(high: Double, low: Double) {
        self.high = high
        self.low = low
    }

    /// KDA's ATTRIBUTION_SCORE: the column's part of the anomaly score.
    public var attributionScore: Double { high + low }
    /// KDA's DIRECTION: whether the column is anomalous for being high or low.
    public var direction: Direction { high >= low ? .high : .low }
    /// Net directional attribution |high − low|: how one-sided the column's contribution is.
    public var strength: Double { abs(high - low) }

    public enum Direction: String, Sendable {
        case high = "HIGH"
        case low = "LOW"
    }
}

extension DiVector {
    /// Folds the shingled dimensions back onto the input columns: position `s·d + j` belongs to column `j`.
    public func columns(inputDimensions: Int) -> [ColumnAttribution] {
        var result = [ColumnAttribution](repeating: ColumnAttribution(high: 0, low: 0), count: inputDimensions)
        for i in 0..<high.count {
            result[i % inputDimensions].high += high[i]
            result[i % inputDimensions].low += low[i]
        }
        return result
    }
}
