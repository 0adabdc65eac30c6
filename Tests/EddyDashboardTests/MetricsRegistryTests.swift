import EddyMetrics
import Testing

@Suite("Metrics registry")
struct MetricsRegistryTests {
    @Test func countersAddAndAreSharedPerLabelSet() throws {
        let registry = MetricsRegistry()
        let family = try registry.counter("rows_total", help: "Rows.", labelNames: ["stream"])
        let a = try family.labels("A")
        a.increment()
        a.increment(by: 4)
        // Asking again for the same labels gives the same handle, not a second series.
        try family.labels("A").increment()
        try family.labels("B").increment(by: 2)
        #expect(a.value == 6)
        #expect(try family.labels("B").value == 2)
    }

    @Test func redeclaringTheSameFamilyReturnsIt() throws {
        let registry = MetricsRegistry()
        let first = try registry.gauge("depth", help: "Depth.", labelNames: ["queue"])
        let second = try registry.gauge("depth", help: "Depth.", labelNames: ["queue"])
        try first.labels("q").set(3.5)
        #expect(try second.labels("q").value == 3.5)
    }

    @Test func conflictingDeclarationsAreErrors() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("things_total", help: "Things.", labelNames: ["a"])
        #expect(throws: MetricsError.self) { try registry.gauge("things_total", help: "Things.", labelNames: ["a"]) }
        #expect(throws: MetricsError.self) { try registry.counter("things_total", help: "Things.", labelNames: ["b"]) }
    }

    @Test(arguments: ["", "1abc", "has-dash", "space here", "é"])
    func invalidMetricNamesAreRejected(_ name: String) {
        #expect(throws: MetricsError.self) { try MetricsRegistry().counter(name, help: "x") }
    }

    @Test(arguments: ["__reserved", "1st", "a-b", ""])
    func invalidLabelNamesAreRejected(_ label: String) {
        #expect(throws: MetricsError.self) { try MetricsRegistry().counter("ok_total", help: "x", labelNames: [label]) }
    }

    @Test func duplicateLabelNamesAndWrongValueCountsAreErrors() throws {
        let registry = MetricsRegistry()
        #expect(throws: MetricsError.self) { try registry.counter("a_total", help: "x", labelNames: ["s", "s"]) }
        let family = try registry.counter("b_total", help: "x", labelNames: ["s", "p"])
        #expect(throws: MetricsError.self) { try family.labels("only-one") }
    }

    @Test func gaugeAddIsAtomicUnderContention() async throws {
        let gauge = try MetricsRegistry().gauge("level", help: "x").labels()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1000 { gauge.add(0.5) } }
            }
        }
        #expect(gauge.value == 4000)
    }

    @Test func concurrentIncrementsAreNeverLost() async throws {
        let counter = try MetricsRegistry().counter("hits_total", help: "x").labels()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { counter.increment() } }
            }
        }
        #expect(counter.value == 80_000)
    }

    @Test func histogramBucketsAreInclusiveAndCumulative() throws {
        let histogram = try MetricsRegistry().histogram("latency_seconds", help: "x", buckets: [0.1, 1, 10]).labels()
        for value in [0.05, 0.1, 0.5, 1, 5, 50] { histogram.observe(value) }
        // le=0.1 holds 0.05 and 0.1; le=1 adds 0.5 and 1; le=10 adds 5; +Inf adds 50.
        #expect(histogram.cumulativeCounts == [2, 4, 5, 6])
        #expect(histogram.count == 6)
        #expect(abs(histogram.sum - 56.65) < 1e-9)
    }

    @Test func histogramBucketsMustIncrease() {
        #expect(throws: MetricsError.self) { try MetricsRegistry().histogram("h", help: "x", buckets: [1, 1]) }
        #expect(throws: MetricsError.self) { try MetricsRegistry().histogram("h", help: "x", buckets: []) }
        #expect(throws: MetricsError.self) { try MetricsRegistry().histogram("h", help: "x", buckets: [.nan]) }
        #expect(throws: MetricsError.self) { try MetricsRegistry().histogram("h", help: "x", buckets: [1], labelNames: ["le"]) }
    }

    @Test func pipelineSnapshotSumsOverStreamsAndPartitions() throws {
        let metrics = try PipelineMetrics()
        metrics.recordsIn(stream: "REVIEWS", partition: 0).increment(by: 10)
        metrics.recordsIn(stream: "REVIEWS", partition: 1).increment(by: 5)
        metrics.recordsOut(stream: "ROLLUP").increment(by: 3)
        metrics.errors(stream: "REVIEWS").increment()
        metrics.consumerLag(stream: "REVIEWS", partition: 1).set(Int64(42))
        metrics.lastCommit.set(1_700_000_000.5)
        let snapshot = metrics.snapshot()
        #expect(snapshot.recordsIn == 15)
        #expect(snapshot.recordsOut == 3)
        #expect(snapshot.errors == 1)
        #expect(snapshot.consumerLag == [.init(stream: "REVIEWS", partition: 1, lag: 42)])
        #expect(snapshot.lastCommitSeconds == 1_700_000_000.5)
    }

    @Test func pipelineMetricsRefuseARegistryWithConflictingNames() throws {
        let registry = MetricsRegistry()
        _ = try registry.gauge(PipelineMetrics.Name.recordsIn, help: "wrong type")
        #expect(throws: MetricsError.self) { try PipelineMetrics(registry: registry) }
    }
}
