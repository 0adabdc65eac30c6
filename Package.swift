// swift-tools-version:6.1
// Eddy: KDA-style streaming SQL on Kafka, as one Swift binary.
// Dependency direction: Core <- Sketches/Sentiment/Workload <- Engine <- SQL <- Runtime <- Dashboard/CLI.
// Kafka (the only importer of CRdKafka) is a leaf that only Runtime and the CLI use.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "eddy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "eddy", targets: ["eddy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // C bindings: librdkafka and its mock cluster (Debian's librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The only code that calls librdkafka. No C type in its public API.
        .target(name: "EddyKafka", dependencies: ["CRdKafka"], swiftSettings: strict),
        // Checkpoints of operator state: versioned container, atomic directory store, changelog chunking. No dependencies.
        .target(name: "EddyState", swiftSettings: strict),
        // Values, schema, event time, JSON scanning/encoding. No I/O.
        .target(name: "EddyCore", swiftSettings: strict),
        // Record files (JSONL/CSV/TSV) and the synthetic review generator.
        .target(name: "EddyWorkload", dependencies: ["EddyCore"], swiftSettings: strict),
        // Counters and gauges with labels, Prometheus text exposition. No dependencies.
        .target(name: "EddyMetrics", swiftSettings: strict),
        // RandomCutForest, HyperLogLog, Space-Saving top-k. Pure Swift.
        .target(name: "EddySketches", dependencies: ["EddyCore"], swiftSettings: strict),
        // VADER sentiment scorer with its pinned lexicons.
        .target(
            name: "EddySentiment",
            dependencies: ["EddyCore"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        // KDA SQL: lexer, parser, analyzer with file:line:column diagnostics.
        .target(name: "EddySQL", dependencies: ["EddyCore"], swiftSettings: strict),
        // Operators, windows, watermarks, error stream, test driver, replay.
        .target(
            name: "EddyEngine",
            dependencies: ["EddyCore", "EddySQL", "EddySketches", "EddySentiment", "EddyWorkload"],
            swiftSettings: strict
        ),
        // Kafka sources and sinks, offsets, run loop.
        .target(name: "EddyRuntime", dependencies: ["EddyEngine", "EddyKafka", "EddyMetrics", "EddyState"], swiftSettings: strict),
        // Live dashboard, /metrics, /health, /api.
        .target(
            name: "EddyDashboard",
            dependencies: ["EddyMetrics", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "eddy",
            dependencies: [
                "EddyKafka", "EddyWorkload", "EddyEngine", "EddySQL", "EddyRuntime", "EddyDashboard", "EddyMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // What the benchmarks share: the kcat runner, CPU timing, reviews.sql's
        // variants, SENTIMENT and RCF timed alone on review fields.
        .target(name: "BenchmarkSupport", dependencies: ["EddySentiment", "EddySketches"], path: "Benchmarks/Support", swiftSettings: strict),

        // Benchmark (not a test): SENTIMENT vs vaderSentiment, sentences/s on one seeded corpus.
        .executableTarget(
            name: "SentimentBench",
            dependencies: ["EddySentiment", "BenchmarkSupport", "PythonReference"],
            path: "Benchmarks/SentimentBench",
            swiftSettings: strict
        ),

        // Produce/consume throughput of EddyKafka vs kcat on the embedded cluster (run with -c release).
        .executableTarget(
            name: "KafkaBench", dependencies: ["EddyKafka", "EddyWorkload", "BenchmarkSupport"], path: "Benchmarks/KafkaBench", swiftSettings: strict
        ),

        // Engine benchmark (release): records/s, allocations per record, ratio against Flink SQL.
        .target(name: "CMallocCounter", path: "Benchmarks/EngineBench/CMallocCounter"),
        .executableTarget(
            name: "EngineBench",
            dependencies: ["EddyEngine", "EddySQL", "EddySentiment", "EddyWorkload", "CMallocCounter", "BenchmarkSupport", "PythonReference"],
            path: "Benchmarks/EngineBench/Sources",
            swiftSettings: strict
        ),

        // End-to-end benchmark (release): reviews.sql through the embedded cluster vs the raw consume rate.
        .executableTarget(
            name: "PipelineBench",
            dependencies: ["EddyRuntime", "EddyKafka", "EddySQL", "EddyWorkload", "EddyMetrics", "CMallocCounter", "BenchmarkSupport"],
            path: "Benchmarks/PipelineBench",
            swiftSettings: strict
        ),

        // Benchmarks: RCF vs krcf/jrcf and HLL vs datasketches, measured in the same run.
        .executableTarget(
            name: "SketchBench",
            dependencies: ["EddySketches", "BenchmarkSupport", "PythonReference"],
            path: "Benchmarks/SketchBench",
            swiftSettings: strict
        ),

        // Benchmark (release): checkpoint save/load MB/s against plain file I/O of the same bytes.
        .executableTarget(name: "StateBench", dependencies: ["EddyState", "EddyEngine", "EddySQL", "EddySketches", "EddyWorkload"], path: "Benchmarks/StateBench", swiftSettings: strict),

        // Soak (release, not a test): eddy run for 10 min with a SIGKILL every 2 min; RSS, checkpoint and
        // restore times, repeats per restart, checkpoints on vs off throughput. Drives the built `eddy`.
        .executableTarget(name: "SoakBench", dependencies: ["EddyKafka"], path: "Benchmarks/SoakBench", swiftSettings: strict),

        // Runs the Python references in Benchmarks/reference, for the parity tests and the benchmarks.
        .target(name: "PythonReference", path: "Benchmarks/reference/PythonReference", swiftSettings: strict),
        .testTarget(name: "EddyKafkaTests", dependencies: ["EddyKafka"], swiftSettings: strict),
        .testTarget(name: "EddyCoreTests", dependencies: ["EddyCore"], swiftSettings: strict),
        .testTarget(name: "EddyStateTests", dependencies: ["EddyState", "EddyCore"], swiftSettings: strict),
        .testTarget(name: "EddyWorkloadTests", dependencies: ["EddyWorkload"], swiftSettings: strict),
        .testTarget(name: "EddySketchesTests", dependencies: ["EddySketches", "EddyCore", "PythonReference"], swiftSettings: strict),
        .testTarget(name: "EddySentimentTests", dependencies: ["EddySentiment", "PythonReference"], swiftSettings: strict),
        .testTarget(name: "EddySQLTests", dependencies: ["EddySQL"], swiftSettings: strict),
        .testTarget(name: "EddyEngineTests", dependencies: ["EddyEngine", "EddyCore"], swiftSettings: strict),
        .testTarget(
            name: "EddyDashboardTests",
            dependencies: [
                "EddyDashboard", "EddyMetrics", "EddyCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EddyRuntimeTests", dependencies: ["EddyRuntime", "EddyKafka", "EddyEngine", "EddySQL", "EddyMetrics", "EddyState", "CRdKafka"],
            swiftSettings: strict
        ),
        // Runs the built `eddy` binary as a user would (exit codes, messages, files).
        .testTarget(name: "EddyCLITests", dependencies: ["eddy", "EddyKafka", "EddyCore"], swiftSettings: strict),
    ]
)
