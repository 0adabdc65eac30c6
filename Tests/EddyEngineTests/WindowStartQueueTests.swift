@testable import EddyEngine
import EddyCore
import Testing

/// The stagger operator's queue of open windows: whatever the push order, entries come out by
/// start then group, and a rebuild from per-group starts holds exactly the open ones.
@Suite struct WindowStartQueueTests {
    @Test func popsByStartThenGroupWhateverThePushOrder() {
        var random = SplitMix64(seed: 5)
        var queue = WindowStartQueue()
        var pushed: [(start: Int64, group: Int)] = []
        for group in 0..<500 {
            let start = Int64(random.int(200))  // many equal starts: ties decided by group
            queue.push(start: start, group: group)
            pushed.append((start, group))
        }
        var popped: [(start: Int64, group: Int)] = []
        while let oldest = queue.minimum {
            popped.append(oldest)
            queue.removeMinimum()
        }
        let expected = pushed.sorted { $0.start != $1.start ? $0.start < $1.start : $0.group < $1.group }
        #expect(popped.map(\.start) == expected.map(\.start))
        #expect(popped.map(\.group) == expected.map(\.group))
        #expect(queue.isEmpty)
    }

    @Test func rebuildKeepsOnlyGroupsWithAnOpenWindow() {
        var queue = WindowStartQueue()
        queue.push(start: 1, group: 7)
        queue.rebuild(from: [30, .min, 10, 20, .min])
        var groups: [Int] = []
        while let oldest = queue.minimum { groups.append(oldest.group); queue.removeMinimum() }
        #expect(groups == [2, 3, 0])
    }
}
