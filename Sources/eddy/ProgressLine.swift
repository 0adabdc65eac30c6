import Foundation

/// The progress bar `eddy produce` redraws on a TTY (stderr), at most ten times a second.
struct ProgressLine {
    let total: Int?
    private var lastDraw: ContinuousClock.Instant?
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init(total: Int?) {
        self.total = total
        started = clock.now
    }

    mutating func update(sent: UInt64, failed: UInt64, malformed: Int, force: Bool = false) {
        let now = clock.now
        if !force, let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        let elapsed = Self.seconds(now - started)
        let rate = elapsed > 0 ? Double(sent) / elapsed : 0
        var line = "\r"
        if let total, total > 0 {
            let fraction = min(1, Double(sent + failed) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += String(format: "%3.0f%% ", fraction * 100)
        }
        line += "\(sent) sent  \(Self.format(rate))/s"
        if failed > 0 { line += "  \(failed) failed" }
        if malformed > 0 { line += "  \(malformed) malformed" }
        Terminal.writeErr(line + "\u{1B}[K")
    }

    func finish() { Terminal.writeErr("\r\u{1B}[K") }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, atto) = duration.components
        return Double(whole) + Double(atto) / 1e18
    }

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
    }
}
