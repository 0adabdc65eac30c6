import Foundation

/// On-CPU time of this process's threads (Linux: /proc/self/task/*/comm and schedstat, in ns).
///
/// Why: the pipeline's poll/decode/engine/produce loop runs on a thread of its own, and its CPU per
/// record is the in-pipeline cost free of what grows with wall time rather than with records (the
/// in-process brokers' and librdkafka's timers, this benchmark's polling), which process-wide CPU
/// per record charges more to a slower variant. The loop is found as the busiest thread over a run
/// that is not librdkafka's (`rdk:*`): DedicatedLoop names it "eddy-pipeline" through Foundation's
/// `Thread.name` before it starts, which Linux does not apply, so the name cannot be relied on.
enum ThreadTimes {
    /// Thread id → on-CPU seconds, for every thread of this process not named `rdk:*`.
    static func snapshot() -> [String: Double] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var times: [String: Double] = [:]
        for tid in tasks {
            let name = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)) ?? ""
            guard !name.hasPrefix("rdk:"),
                  let fields = (try? String(contentsOfFile: "/proc/self/task/\(tid)/schedstat", encoding: .utf8))?.split(separator: " "),
                  let nanoseconds = fields.first.flatMap({ Double($0) }) else { continue }
            times[tid] = nanoseconds / 1e9
        }
        return times
    }

    /// The largest CPU seconds one thread used between two snapshots (a thread new since `before` counts from 0).
    static func busiest(from before: [String: Double], to after: [String: Double]) -> Double {
        after.map { tid, seconds in seconds - (before[tid] ?? 0) }.max() ?? 0
    }
}
