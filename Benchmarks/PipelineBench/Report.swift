/// PipelineBench's printed report.
enum Report {
    static func throughput(_ rounds: [Round], variants: [(name: String, sql: String)], options: PipelineOptions) {
        let k = rounds.count
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        let kcatRates = rounds.map(\.kcat.rate)
        print("floors, median of \(k) rounds (CPU µs/record include the in-process brokers serving the reader):")
        print("  \(pad("kcat -X fetch.wait.max.ms=10", 30)) \(fixed(median(kcatRates), 0)) records/s (\(range(kcatRates, 0))), CPU \(fixed(median(rounds.map(\.kcat.cpuMicrosPerRecord)), 2)) µs/record (kcat + brokers)")
        print("  \(pad("EddyKafka poll loop", 30)) \(fixed(median(rounds.map(\.loop.rate)), 0)) records/s, CPU \(fixed(median(rounds.map(\.loop.cpuMicrosPerRecord)), 2)) µs/record, \(fixed(median(rounds.map(\.loop.allocationsPerRecord)), 2)) allocations/record")
        let groupRates = rounds.map(\.groupLoop.rate)
        print("  \(pad("the same in a consumer group", 30)) \(fixed(median(groupRates), 0)) records/s (\(range(groupRates, 0))), CPU \(fixed(median(rounds.map(\.groupLoop.cpuMicrosPerRecord)), 2)) µs/record (subscribe, as the pipeline; from its first record)")
        print("pipeline reviews.sql, one task, at-least-once commits on; ratio = median of the per-round ratios to that round's kcat:")
        for (index, variant) in variants.enumerated() {
            let rates = rounds.map { $0.pipelines[index].rate }
            let ratios = rounds.map { $0.pipelines[index].rate / $0.kcat.rate }
            let cpu = rounds.map { $0.pipelines[index].cpuMicrosPerRecord }
            var line = "  \(pad(variant.name, 30)) \(fixed(median(rates), 0)) records/s (\(range(rates, 0))) = \(fixed(median(ratios), 2))x kcat (\(range(ratios, 2)))"
            line += ", CPU µs/record: pipeline thread \(fixed(median(rounds.map { $0.pipelines[index].threadMicrosPerRecord }), 2)), whole process \(fixed(median(cpu), 2))"
            line += " (\(fixed(median(rounds.map(\.kcat.cpuMicrosPerRecord)) / median(cpu), 2))x kcat's records per CPU-second)"
            // Thread CPU × rate: the share of wall time the loop thread was on a CPU. Well below 1,
            // the wall rate was bound by waits (fetch, delivery, the machine's other load), not by its work.
            let busy = rounds.map { $0.pipelines[index].threadMicrosPerRecord * $0.pipelines[index].rate / 1e6 }
            line += ", pipeline thread on CPU \(range(busy.map { $0 * 100 }, 0)) % of the wall time"
            line += ", \(fixed(median(rounds.map { $0.pipelines[index].allocationsPerRecord }), 2)) allocations/record"
            print(line)
        }
        if variants.count == 1 && !options.quick {
            print("  (reviews.sql has no RANDOM_CUT_FOREST or SENTIMENT pump: the complete pipeline is the one without them)")
        }
        let targetRatios = rounds.map { $0.pipelines[variants.count - 1].rate / $0.kcat.rate }
        print("target ≥ 0.5x kcat, \(variants.last!.name): \(fixed(median(targetRatios), 2))x \(median(targetRatios) >= 0.5 ? "MET" : "NOT MET")")
        guard variants.count == 3 else { return }
        cost(rounds, "RCF", of: 0, over: 1, alone: rounds.compactMap(\.forestsAlone),
             aloneName: "its forests alone on the same records (one per category, 100 trees, d=3 with attribution)",
             ownBenchmark: "`EngineBench 20000 rcf`, SketchBench's \"d=3 explain\" row")
        cost(rounds, "SENTIMENT", of: 1, over: 2, alone: rounds.compactMap(\.sentimentAlone),
             aloneName: "the analyzer alone on the same bodies (compound(utf8:scratch:))",
             ownBenchmark: "`EngineBench 100000 sentiment`, SentimentBench")
    }

    /// Prints what variant `of` costs over variant `over`, per record, next to the analytic alone.
    static func cost(_ rounds: [Round], _ name: String, of: Int, over: Int, alone: [Double], aloneName: String, ownBenchmark: String) {
        let thread = rounds.map { $0.pipelines[of].threadMicrosPerRecord - $0.pipelines[over].threadMicrosPerRecord }
        let process = rounds.map { $0.pipelines[of].cpuMicrosPerRecord - $0.pipelines[over].cpuMicrosPerRecord }
        let wall = rounds.map { 1e6 / $0.pipelines[of].rate - 1e6 / $0.pipelines[over].rate }
        let ratios = zip(thread, alone).map { $0 / $1 }
        print("in-pipeline cost of \(name): \(fixed(median(thread), 2)) µs/record of the pipeline thread's CPU (\(range(thread, 2)));"
            + " whole process \(fixed(median(process), 2)) µs/record, wall \(fixed(median(wall), 2)) µs/record (both also charge time-proportional background: brokers, timers);"
            + " \(aloneName), thread CPU in the same rounds: \(fixed(median(alone), 2)) µs/record (\(range(alone, 2)))"
            + " → pipeline thread / alone \(fixed(median(ratios), 2))x (\(range(ratios, 2))); its own benchmarks: \(ownBenchmark)")
    }

    static func latency(_ result: LatencyResult, variant: String, options: PipelineOptions) {
        print("latency, reviews.sql \(variant), \(options.latencyRate) records/s for \(options.latencySeconds) s, event time = wall time, after a \(fixed(LatencyProbe.warmUpMillis / 1000, 0)) s warm-up:")
        print("  produce → RCF score row (metrics.review_anomalies, the row alerts are raised from): "
            + latencySummary(result.scoreRows, none: "no rows (the variant has no RCF pump)"))
        let counts = result.alertCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("  alerts read: \(counts.isEmpty ? "none" : counts) (one raise per key and 120 s cool-down: few samples)")
        print("  produce → alert (alerts.reviews, rcf_anomaly raise, from its triggering review's send): "
            + latencySummary(result.recordAlerts, none: "no rcf_anomaly alert in this run"))
        print("  window close (end + lateness) → alert (sentiment_drop raise): "
            + latencySummary(result.windowAlerts, none: "no sentiment_drop alert in this run (it needs 4 windows of baseline and a drop)"))
        print("  produce → error_stream row (malformed probe, every 20th message): "
            + latencySummary(result.errorRows, none: "no probe rows"))
        print("  window close → AVG_STAR_RATING row produced (its Kafka timestamp), windows opened after the feed started: "
            + latencySummary(result.windowProduced, none: "no rows with a timestamp"))
        print("  window close → AVG_STAR_RATING row read here: " + latencySummary(result.windowRead, none: "no rows"))
        if !result.producedByWindow.isEmpty {
            print("    per window (start relative to the feed's start: its latest row's produce delay): "
                + result.producedByWindow.sorted { $0.key < $1.key }.map { "\($0.key) s: \(fixed($0.value, 0)) ms" }.joined(separator: ", "))
        }
    }
}
