import Foundation

/// Wall-clock time for the hub, injectable so tests control publication times and rates.
public struct DashboardClock: Sendable {
    /// Seconds since the Unix epoch.
    public let now: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// The system's real-time clock.
    public static let system = DashboardClock { Date().timeIntervalSince1970 }
}
