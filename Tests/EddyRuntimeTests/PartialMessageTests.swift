import EddyEngine
@testable import EddyRuntime
import Testing

@Suite("The partials topic's message format and the combiner's checkpoint state")
struct PartialMessageTests {
    static let window = ClosedPartialWindow(pump: "TOTALS_PUMP", windowStart: -1_000, state: [1, 2, 3, 0, 255])

    @Test("Partials and progress markers round-trip, with keys naming topology, pump, task and window")
    func roundTrip() throws {
        let partial = PartialMessage.partial(task: 7, window: Self.window)
        let progress = PartialMessage.progress(task: 2, watermark: Int64.min, idle: true)
        #expect(try PartialMessage.decode(partial.value()) == partial)
        #expect(try PartialMessage.decode(progress.value()) == progress)
        #expect(String(decoding: partial.key(topology: "reviews"), as: UTF8.self) == "reviews|TOTALS_PUMP|task-7|-1000")
        #expect(String(decoding: progress.key(topology: "reviews"), as: UTF8.self) == "reviews|progress|task-2")
        #expect(Array(partial.value().prefix(5)) == Array("EDPM".utf8) + [1])
    }

    @Test("Another version, a truncated value, trailing bytes or a foreign message are errors with a reason")
    func rejectsWithReason() {
        var newer = PartialMessage.progress(task: 0, watermark: 5, idle: false).value()
        newer[4] = 2
        #expect(throws: PartialMessageError("partial message version 2; this eddy reads version 1")) { try PartialMessage.decode(newer) }
        let whole = PartialMessage.partial(task: 1, window: Self.window).value()
        #expect { try PartialMessage.decode(Array(whole.dropLast())) } throws: { ($0 as? PartialMessageError)?.reason.contains("truncated") == true }
        #expect { try PartialMessage.decode(whole + [0]) } throws: { ($0 as? PartialMessageError)?.reason.hasPrefix("undecodable") == true }
        #expect { try PartialMessage.decode(Array("{\"json\":1}".utf8)) } throws: { ($0 as? PartialMessageError)?.reason.hasPrefix("undecodable") == true }
        var unknown = whole
        unknown[5] = 9
        #expect(throws: PartialMessageError("unknown partial message kind 9")) { try PartialMessage.decode(unknown) }
    }

    @Test("The combiner state (task progress and pending partials) round-trips")
    func combinerState() throws {
        let state = CombinerState(reports: [TaskProgressReport(watermark: 42, idle: false), nil, TaskProgressReport(watermark: .min, idle: true)],
                                  pending: [(0, Self.window), (2, ClosedPartialWindow(pump: "P", windowStart: 10_000, state: []))])
        #expect(try CombinerState.decode(state.encoded()) == state)
        #expect(throws: PartialMessageError.self) { try CombinerState.decode(Array(state.encoded().dropLast(2))) }
    }
}
