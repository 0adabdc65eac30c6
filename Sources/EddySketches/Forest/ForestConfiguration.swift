/// Parameters of a `RandomCutForest`, with AWS's and KDA's defaults.
public struct ForestConfiguration: Sendable, Equatable {
    /// Numeric values per input record (KDA: the cursor's numeric columns).
    public var inputDimensions: Int
    /// Consecutive records concatenated into one tree point (internal shingling).
    public var shingleSize: Int
    public var numberOfTrees: Int
    /// Points kept per tree (the reservoir capacity), KDA's `subSampleSize`.
    public var sampleSize: Int
    /// Per-point exponential decay λ of the reservoir (AWS `timeDecay`/`lambda`); KDA's `timeDecay`
    /// argument is the window 1/λ.
    public var timeDecay: Double
    /// Forest updates before scores are reported; 0 until then.
    public var outputAfter: Int
    /// Fraction of the reservoir filled unconditionally at start (AWS default 0.125).
    public var initialAcceptFraction: Double
    public var seed: UInt64

    public init(
        inputDimensions: Int,
        shingleSize: Int = 1,
        numberOfTrees: Int = 100,
        sampleSize: Int = 256,
        timeDecay: Double? = nil,
        outputAfter: Int? = nil,
        initialAcceptFraction: Double = 0.125,
        seed: UInt64 = 0
    ) {
        self.inputDimensions = inputDimensions
        self.shingleSize = shingleSize
        self.numberOfTrees = numberOfTrees
        self.sampleSize = sampleSize
        self.timeDecay = timeDecay ?? 1 / (10 * Double(max(sampleSize, 1)))
        self.outputAfter = outputAfter ?? sampleSize
        self.initialAcceptFraction = initialAcceptFraction
        self.seed = seed
    }

    /// KDA's RANDOM_CUT_FOREST arguments: `(numberOfTrees, subSampleSize, timeDecay, shingleSize)` with
    /// defaults (100, 256, 100000, 1). Scores stay 0 until the sample is full (`outputAfter = subSampleSize`).
    public static func kda(
        inputDimensions: Int,
        numberOfTrees: Int = 100,
        subSampleSize: Int = 256,
        timeDecay: Int = 100_000,
        shingleSize: Int = 1,
        seed: UInt64 = 0
    ) throws(SketchConfigurationError) -> ForestConfiguration {
        guard (1...1000).contains(numberOfTrees) else {
            throw SketchConfigurationError("numberOfTrees \(numberOfTrees) is outside 1...1000")
        }
        guard (10...1000).contains(subSampleSize) else {
            throw SketchConfigurationError("subSampleSize \(subSampleSize) is outside 10...1000")
        }
        guard timeDecay >= 1 else { throw SketchConfigurationError("timeDecay \(timeDecay) must be ≥ 1") }
        guard (1...30).contains(shingleSize) else {
            throw SketchConfigurationError("shingleSize \(shingleSize) is outside 1...30")
        }
        let configuration = ForestConfiguration(
            inputDimensions: inputDimensions, shingleSize: shingleSize, numberOfTrees: numberOfTrees,
            sampleSize: subSampleSize, timeDecay: 1 / Double(timeDecay), outputAfter: subSampleSize, seed: seed)
        try configuration.validate()
        return configuration
    }

    /// Tree point dimension: input dimensions × shingle size.
    public var pointDimensions: Int { inputDimensions * shingleSize }

    public func validate() throws(SketchConfigurationError) {
        guard inputDimensions >= 1 else { throw SketchConfigurationError("inputDimensions \(inputDimensions) must be ≥ 1") }
        guard shingleSize >= 1 else { throw SketchConfigurationError("shingleSize \(shingleSize) must be ≥ 1") }
        guard pointDimensions <= 10_000 else { throw SketchConfigurationError("point dimension \(pointDimensions) exceeds 10000") }
        guard numberOfTrees >= 1, numberOfTrees <= 10_000 else {
            throw SketchConfigurationError("numberOfTrees \(numberOfTrees) is outside 1...10000")
        }
        guard sampleSize >= 2, sampleSize <= 1 << 20 else {
            throw SketchConfigurationError("sampleSize \(sampleSize) is outside 2...\(1 << 20)")
        }
        guard timeDecay.isFinite, timeDecay >= 0 else { throw SketchConfigurationError("timeDecay \(timeDecay) must be finite and ≥ 0") }
        guard outputAfter >= 0 else { throw SketchConfigurationError("outputAfter \(outputAfter) must be ≥ 0") }
        guard initialAcceptFraction > 0, initialAcceptFraction <= 1 else {
            throw SketchConfigurationError("initialAcceptFraction \(initialAcceptFraction) is outside (0, 1]")
        }
        guard numberOfTrees * sampleSize * pointDimensions <= 1 << 31 else {
            throw SketchConfigurationError("forest of \(numberOfTrees)×\(sampleSize)×\(pointDimensions) values is too large")
        }
    }
}
