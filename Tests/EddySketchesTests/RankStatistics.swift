/// Rank statistics for comparing score series.
enum RankStatistics {
    /// Average ranks (ties share the mean rank).
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var result = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { result[order[k]] = rank }
            i = j + 1
        }
        return result
    }

    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let ra = ranks(a)
        let rb = ranks(b)
        let n = Double(a.count)
        let ma = ra.reduce(0, +) / n
        let mb = rb.reduce(0, +) / n
        var cov = 0.0
        var va = 0.0
        var vb = 0.0
        for i in 0..<a.count {
            cov += (ra[i] - ma) * (rb[i] - mb)
            va += (ra[i] - ma) * (ra[i] - ma)
            vb += (rb[i] - mb) * (rb[i] - mb)
        }
        return cov / (va * vb).squareRoot()
    }

    /// ROC-AUC: the probability that a random anomaly outscores a random normal point (ties count half).
    static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        let r = ranks(scores)
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        var rankSum = 0.0
        for i in 0..<scores.count where labels[i] { rankSum += r[i] }
        return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// Mean and unbiased sample variance.
    static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(1, n - 1)
        return (mean, variance)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// The value at or above which the top `fraction` of `values` lie.
    static func upperQuantile(_ values: [Double], fraction: Double) -> Double {
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * (1 - fraction)).rounded(.down)))
        return sorted[index]
    }
}
