import EddyEngine
import EddySQL
import Testing

@Suite struct ReplayTests {
    struct Collected: OutputSink {
        var rows: [String] = []
        mutating func emit(stream: String, topic: String?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, rowtime: Int64) {
            rows.append("\(stream)@\(topic ?? "-"): \(String(decoding: value, as: UTF8.self))")
        }
    }

    @Test func severalInputsAreMergedByRowtimeAndDrainedToASink() throws {
        let topology = try Analyzer.analyze(text: """
        CREATE STREAM "IN" ("id" INTEGER, "t" BIGINT) WITH ('topic' = 'in', 'rowtime' = 't');
        CREATE STREAM OUT (id INTEGER) WITH ('topic' = 'out');
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "id" FROM "IN";
        """, name: "merge")
        let engine = try Engine(topology: topology)
        try Replay.run(engine, inputs: [
            Replay.Input(stream: "IN", path: "a.jsonl", lines: [#"{"id":1,"t":10}"#, #"{"id":3,"t":30}"#]),
            Replay.Input(stream: "IN", path: "b.jsonl", lines: [#"{"id":2,"t":20}"#, #"{"id":4,"t":40}"#, "oops"]),
        ])
        var sink = Collected()
        engine.drainOutputs(into: &sink)
        #expect(sink.rows.filter { $0.hasPrefix("OUT") } == ["OUT@out: {\"ID\":1}", "OUT@out: {\"ID\":2}", "OUT@out: {\"ID\":3}", "OUT@out: {\"ID\":4}"])
        #expect(sink.rows.filter { $0.hasPrefix("error_stream@merge.errors: ") }.count == 1)
        #expect(engine.sourceTopics.map(\.topic) == ["in"])
    }
}

@Suite struct CommitTrackingTests {
    @Test func offsetsAreReleasedOnlyAfterTheirWindowsFire() throws {
        let topology = try Analyzer.analyze(text: """
        CREATE STREAM "IN" ("k" VARCHAR(4), "t" BIGINT) WITH ('topic' = 'in', 'rowtime' = 't');
        CREATE STREAM OUT (k VARCHAR(4), n BIGINT) WITH ('topic' = 'out');
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "k", COUNT(*) FROM "IN" GROUP BY "k", STEP("IN".ROWTIME BY INTERVAL '10' SECOND);
        """, name: "commit")
        let engine = try Engine(topology: topology, trackCommitOffsets: true)
        let source = engine.sourceIndex(named: "IN")!
        func feed(_ offset: Int64, _ json: String) {
            var text = json
            text.withUTF8 { engine.process(source: source, partition: 0, offset: offset, timestamp: 0, value: UnsafeRawBufferPointer($0), origin: RecordOrigin(topic: "in")) }
        }
        feed(0, #"{"k":"a","t":1000}"#)
        feed(1, #"{"k":"a","t":5000}"#)
        #expect(engine.releasedCommitPositions().isEmpty)
        // Watermark 12000 closes [0, 10000): offsets 0 and 1 were done at 1000 + 10000 and 5000 + 10000; only 0 is.
        feed(2, #"{"k":"a","t":12000}"#)
        #expect(engine.releasedCommitPositions() == [CommitPosition(source: source, partition: 0, nextOffset: 1)])
        feed(3, "broken")
        feed(4, #"{"k":"a","t":16000}"#)
        #expect(engine.releasedCommitPositions() == [CommitPosition(source: source, partition: 0, nextOffset: 2)])
        engine.finish()
        #expect(engine.releasedCommitPositions() == [CommitPosition(source: source, partition: 0, nextOffset: 5)])
    }
}

@Suite struct ProcessingTimeReplayTests {
    @Test func sourcesWithoutRowtimeUseTheReadTime() throws {
        let topology = try Analyzer.analyze(text: """
        CREATE STREAM "IN" ("id" INTEGER) WITH ('topic' = 'in');
        CREATE STREAM OUT (id INTEGER, seen TIMESTAMP) WITH ('topic' = 'out');
        CREATE PUMP P AS INSERT INTO OUT SELECT STREAM "id", "IN".ROWTIME FROM "IN";
        """, name: "ptime")
        let engine = try Engine(topology: topology)
        var now: Int64 = 1_795_496_400_000
        try Replay.run(engine, inputs: [Replay.Input(stream: "IN", path: "in.jsonl", lines: [#"{"id":1}"#, #"{"id":2}"#])],
                       readClock: { now += 250; return now })
        #expect(engine.output(named: "OUT")!.rows().map(\.value) == [
            #"{"ID":1,"SEEN":"2026-11-24T05:00:00.250Z"}"#, #"{"ID":2,"SEEN":"2026-11-24T05:00:00.500Z"}"#,
        ])
    }
}
