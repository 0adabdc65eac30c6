import EddyDashboard
import Testing
@testable import eddy

@Suite("Dashboard bridge chart keys")
struct DashboardBridgeTests {
    @Test("A per-record stream is charted per category, not per review id")
    func skipsIdentifierColumns() {
        let columns: [(name: String, kind: DashboardColumn.Kind)] = [
            ("REVIEW_ID", .text), ("PRODUCT_CATEGORY", .text), ("ANOMALY_SCORE", .numeric),
        ]
        #expect(DashboardBridge.chartKey(columns) == "PRODUCT_CATEGORY")
    }

    @Test("Only identifiers: the first text column; no text: no key")
    func fallbacks() {
        #expect(DashboardBridge.chartKey([("CUSTOMER_ID", .text), ("N", .numeric)]) == "CUSTOMER_ID")
        #expect(DashboardBridge.chartKey([("N", .numeric), ("T", .timestamp)]) == nil)
    }
}
