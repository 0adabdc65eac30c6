/// Ertl's improved raw estimator for HyperLogLog ("New cardinality estimation algorithms for
/// HyperLogLog sketches", 2017, algorithm 6). It is unbiased over the whole range without the
/// empirical bias tables of HLL++, which is why merged sketches use it.
enum ErtlEstimator {
    static func estimate(registers: [UInt8], lgK: Int) -> Double {
        let q = 64 - lgK
        var histogram = [Int](repeating: 0, count: q + 2)
        for r in registers { histogram[min(Int(r), q + 1)] += 1 }
        let m = Double(registers.count)
        var z = m * tau(1 - Double(histogram[q + 1]) / m)
        var k = q
        while k >= 1 {
            z = 0.5 * (z + Double(histogram[k]))
            k -= 1
        }
        z += m * sigma(Double(histogram[0]) / m)
        let alphaInfinity = 1 / (2 * 0.6931471805599453)
        return alphaInfinity * m * m / z
    }

    static func sigma(_ value: Double) -> Double {
        if value == 1 { return .infinity }
        var x = value
        var y = 1.0
        var z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if previous == z { return z }
        }
    }

    static func tau(_ value: Double) -> Double {
        if value == 0 || value == 1 { return 0 }
        var x = value
        var y = 1.0
        var z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if previous == z { return z / 3 }
        }
    }
}
