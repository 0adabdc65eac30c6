// EngineBench: the engine alone on the reference query, against Flink SQL in the same run.
//
// In-memory pre-serialized review messages (EddyWorkload.ReviewGenerator, seed 42) → JSON decode →
// per-category 10-second tumbling AVG(star_rating) and COUNT(*) → encoded output rows.
// Prints records/s on one core, heap allocations per record (malloc interposed by CMallocCounter),
// and the ratio against Flink SQL (Benchmarks/reference/flink_tumbling.py) over the same records.
//
//     swift run -c release EngineBench [records] [reviews | pipeline | rcf | sentiment | keyed]
import BenchmarkSupport
import PythonReference
import CMallocCounter
import EddyEngine
import EddySQL
import EddyWorkload
import Foundation

let query = """
CREATE STREAM "SOURCE_SQL_STREAM_001" ("product_category" VARCHAR(64), "star_rating" INTEGER, "event_time" BIGINT)
  WITH ('topic' = 'reviews', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS');
CREATE STREAM "AVG_STAR_RATING_SQL_STREAM" (product_category VARCHAR(64), window_start TIMESTAMP, avg_star_rating DOUBLE, message_count BIGINT)
  WITH ('topic' = 'metrics.avg_star_rating');
CREATE PUMP "P" AS INSERT INTO "AVG_STAR_RATING_SQL_STREAM"
  SELECT STREAM "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND), AVG(CAST("star_rating" AS DOUBLE)), COUNT(*)
  FROM "SOURCE_SQL_STREAM_001" AS s
  GROUP BY "product_category", STEP(s.ROWTIME BY INTERVAL '10' SECOND);
"""

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
/// `EngineBench N pipeline-mix [runs]`: PipelineBench's target variant on its own data (PipelineMix.swift).
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "pipeline-mix" {
    try PipelineMix.run(count: count, runs: CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 5 : 5)
    exit(0)
}
/// `EngineBench N keyed`: stagger, sliding RANGE/ROWS/LAG and ANOMALY_ALERTS pumps with key eviction,
/// against tumbling, 'state_retention' = 'never' and Flink's OVER window (KeyedPumps.swift); it
/// generates its own messages (1,000 events/s of event time, so a retention of 60 s evicts).
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "keyed" {
    try KeyedPumps.run(count: count)
    exit(0)
}
let reviews = PackedReviews(count: count, seed: 42, eventsPerSecond: 10_000)
let buffer = reviews.buffer, offsets = reviews.offsets
print("EngineBench: \(count) review messages, \(buffer.count / count) bytes each on average")
/// `EngineBench N reviews` runs only reviews.sql minus its RCF pumps: the quick loop for its pumps;
/// `EngineBench N pipeline` only PipelineBench's target variant (without RCF, SENTIMENT replaced).
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "reviews" || CommandLine.arguments[2] == "pipeline" {
    try ReviewsTopology.run(buffer, offsets, available: count, onlyPipelineVariant: CommandLine.arguments[2] == "pipeline")
    exit(0)
}
/// `EngineBench N rcf` runs reviews.sql's RCF pump (explanation, one forest per category) in the engine
/// against the same forests alone on the same values, and reviews.sql complete against without RCF.
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "rcf" {
    try ForestPump.run(buffer, offsets, available: count)
    exit(0)
}
/// `EngineBench N sentiment` runs SENTIMENT as a pump (projection, reviews.sql's AVG aggregate, two
/// pumps on one record) against the analyzer alone on the same review bodies, and reviews.sql
/// without RCF with SENTIMENT against with it replaced.
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "sentiment" {
    try SentimentPump.run(buffer, offsets, available: count)
    exit(0)
}

/// Wall time and this thread's CPU time (the machine is shared: CPU time is the one-core cost).
/// A second scenario, not compared against references: a non-windowed pump (WHERE, arithmetic,
/// string function, DOUBLE output) whose every input row is encoded, to show that path allocates
/// nothing per record either.
let projectionQuery = """
CREATE STREAM "SOURCE_SQL_STREAM_001" ("review_id" VARCHAR(24), "product_category" VARCHAR(64), "star_rating" INTEGER,
    "helpful_votes" INTEGER, "total_votes" INTEGER, "event_time" BIGINT)
  WITH ('topic' = 'reviews', 'rowtime' = 'event_time', 'lateness' = '5 SECONDS');
CREATE STREAM "SCORED" (review_id VARCHAR(24), category VARCHAR(64), score DOUBLE) WITH ('topic' = 'scored');
CREATE PUMP "P" AS INSERT INTO "SCORED"
  SELECT STREAM "review_id", LOWER("product_category"), ("star_rating" * 1.7 + "helpful_votes") / ("total_votes" + 3.0)
  FROM "SOURCE_SQL_STREAM_001" WHERE "star_rating" >= 2;
"""

/// One run of `sql` with its windows fired at the end; at least one output row expected.
func runEngine(_ buffer: [UInt8], _ offsets: [Int], _ count: Int, query: String = query,
               output outputName: String = "AVG_STAR_RATING_SQL_STREAM") throws -> EngineTiming.Measurement {
    let run = try EngineTiming.once(sql: query, output: outputName, buffer, offsets, count: count, label: outputName, finish: true)
    precondition(run.rows > 0, "the engine produced no rows")
    return run
}

// Warm-up run, then the best of five.
_ = try runEngine(buffer, offsets, count)
var best = EngineTiming.Measurement(seconds: .infinity, cpuSeconds: .infinity, allocations: 0, rows: 0)
for _ in 0..<5 {
    let r = try runEngine(buffer, offsets, count)
    if r.seconds < best.seconds { best = r }
}
let eddyRate = Double(count) / best.seconds
let eddyCPURate = Double(count) / best.cpuSeconds
print(String(format: "eddy   : %.0f records/s wall (%.3f s), %.0f records/s per CPU-second of its one thread; %d output rows",
             eddyRate, best.seconds, eddyCPURate, best.rows))
print(String(format: "alloc  : %.4f allocations/record (%d in total over %d records, window state and output rows included)",
             Double(best.allocations) / Double(count), best.allocations, count))

var projection = EngineTiming.Measurement(seconds: .infinity, cpuSeconds: .infinity, allocations: 0, rows: 0)
_ = try runEngine(buffer, offsets, count, query: projectionQuery, output: "SCORED")
for _ in 0..<3 {
    let r = try runEngine(buffer, offsets, count, query: projectionQuery, output: "SCORED")
    if r.seconds < projection.seconds { projection = r }
}
print(String(format: "project: %.0f records/s wall, %.0f per CPU-second; %d rows encoded; %.4f allocations/record (non-windowed pump, every row encoded)",
             Double(count) / projection.seconds, Double(count) / projection.cpuSeconds, projection.rows,
             Double(projection.allocations) / Double(count)))

// The whole reviews.sql minus its RCF pumps.
try ReviewsTopology.run(buffer, offsets, available: count)

// Analytic pumps (SENTIMENT, RANDOM_CUT_FOREST) per record, against a plain pump on the same messages.
try AnalyticPumps.run(buffer, offsets, available: count)

// References over the same records, each started by its own script in Benchmarks/reference/
// (they print {"records_per_second": R, ...} as their last line).
let references = [
    ("flink ", "flink_tumbling.py", "Flink SQL, parallelism 1, start-up subtracted"),
    ("orjson", "orjson_loop.py", "plain Python loop over orjson"),
]
let inputPath = NSTemporaryDirectory() + "enginebench-reviews.jsonl"
var file = Data()
file.reserveCapacity(buffer.count + count)
for i in 0..<count {
    file.append(contentsOf: buffer[offsets[i]..<offsets[i + 1]])
    file.append(UInt8(ascii: "\n"))
}
try file.write(to: URL(fileURLWithPath: inputPath))
defer { try? FileManager.default.removeItem(atPath: inputPath) }

/// Runs a reference script; nil (with a printed note) when it fails.
func referenceRate(label: String, script: String, path: String) -> Double? {
    do {
        let json = try PythonReference.lastJSONObject(script, ["--input", path])
        guard let rate = (json["records_per_second"] as? NSNumber)?.doubleValue else {
            print("\(label) : skipped (\(script) printed no records_per_second)")
            return nil
        }
        return rate
    } catch {
        print("\(label) : skipped (\(error))")
        return nil
    }
}

var flinkRate: Double?
for (label, script, description) in references {
    guard let rate = referenceRate(label: label, script: script, path: inputPath) else { continue }
    if label.hasPrefix("flink") { flinkRate = rate }
    print(String(format: "%@ : %.0f records/s (%@); eddy / %@ = %.1fx (wall), %.1fx (eddy CPU time)", label, rate, description,
                 label.trimmingCharacters(in: .whitespaces), eddyRate / rate, eddyCPURate / rate))
}
let flinkStatus = flinkRate.map { eddyRate / $0 >= 4 ? "met" : "NOT met" } ?? "not measured"
print(String(format: "targets: >= 1,000,000 records/s on one core (%@), >= 4x Flink (%@), no per-record allocation (%@)",
             max(eddyRate, eddyCPURate) >= 1_000_000 ? "met" : "NOT met", flinkStatus,
             best.allocations < UInt64(count / 100) ? "met" : "NOT met"))
