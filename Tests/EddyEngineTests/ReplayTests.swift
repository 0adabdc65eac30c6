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
