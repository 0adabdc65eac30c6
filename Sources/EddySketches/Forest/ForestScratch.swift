/// Working memory for one record's pass over a forest: the shingled point, descent paths, the
/// lockstep lanes, per-tree reservoir decisions and attribution sums.
///
/// Several KB with a large sample (the lockstep paths alone are `groupSize · (sampleSize + 1)`
/// Int32), which is past what `withUnsafeTemporaryAllocation` keeps on the stack, so a per-record
/// temporary would be a heap allocation per record. Each `ForestStorage` owns one, used by the
/// mutating paths (which first make the storage uniquely referenced, so no other copy can be using
/// it); the read-only paths, which may run on shared storage, allocate their own.
struct ForestScratch {
    let point: UnsafeMutablePointer<Float>
    let shadow: UnsafeMutablePointer<Float>
    let path: UnsafeMutablePointer<Int32>
    /// `groupSize` paths of `sampleSize + 1`, then the 4·groupSize lane words.
    let paths: UnsafeMutablePointer<Int32>
    let lanes: UnsafeMutablePointer<Int32>
    let scores: UnsafeMutablePointer<Double>
    /// 6·dimensions: attribution accumulator (2·d) and per-tree work (4·d).
    let doubles: UnsafeMutablePointer<Double>
    let decisions: UnsafeMutablePointer<SampleDecision>

    static func allocate(trees: Int, sampleSize: Int, dimensions: Int) -> ForestScratch {
        let group = ForestStorage.groupSize
        let pathCapacity = group * (sampleSize + 1)
        let paths = UnsafeMutablePointer<Int32>.allocate(capacity: pathCapacity + 4 * group)
        return ForestScratch(
            point: .allocate(capacity: dimensions), shadow: .allocate(capacity: 2 * dimensions),
            path: .allocate(capacity: sampleSize + 1), paths: paths, lanes: paths + pathCapacity,
            scores: .allocate(capacity: group), doubles: .allocate(capacity: 6 * dimensions),
            decisions: .allocate(capacity: trees))
    }

    func deallocate() {
        point.deallocate()
        shadow.deallocate()
        path.deallocate()
        paths.deallocate()
        scores.deallocate()
        doubles.deallocate()
        decisions.deallocate()
    }
}
