import Testing
@testable import EddySketches

@Suite struct HotspotDetectorTests {
    /// 2-D: uniform background over [0,10]² with two tight clusters mixed in.
    static func stream(seed: UInt64, clustered: Bool, count: Int, dimensions: Int = 2) -> [[Double]] {
        var noise = NoiseSource(seed: seed)
        return (0..<count).map { i in
            if clustered, i % 5 == 0 {
                let center = i % 10 == 0 ? 2.0 : 7.0
                return (0..<dimensions).map { _ in center + (noise.uniform() - 0.5) * 0.3 }
            }
            return (0..<dimensions).map { _ in noise.uniform() * 10 }
        }
    }

    @Test func findsTheTwoClustersAndForgetsThemWhenTheyLeaveTheWindow() throws {
        var detector = try HotspotDetector(dimensions: 2, windowSize: 500, scanRadius: 0.3, minimumPoints: 10)
        var hotspots: [HotspotDetector.Hotspot] = []
        for record in Self.stream(seed: 1, clustered: true, count: 500) { hotspots = try detector.process(record) }
        #expect(hotspots.count == 2)
        let centers = hotspots.map { ($0.minValues[0] + $0.maxValues[0]) / 2 }.sorted()
        #expect(abs(centers[0] - 2) < 0.3 && abs(centers[1] - 7) < 0.3, "centers \(centers)")
        for hotspot in hotspots {
            #expect(hotspot.pointCount >= 50 && hotspot.pointCount <= 55)
            #expect(hotspot.density > 50, "density \(hotspot.density)")
            #expect(hotspot.maxValues[1] - hotspot.minValues[1] < 0.6)
        }
        for record in Self.stream(seed: 2, clustered: false, count: 500) { hotspots = try detector.process(record) }
        #expect(hotspots.isEmpty)
    }

    @Test func manyDimensionsUseExhaustiveSearch() throws {
        var detector = try HotspotDetector(dimensions: 4, windowSize: 200, scanRadius: 0.5, minimumPoints: 8)
        var hotspots: [HotspotDetector.Hotspot] = []
        for record in Self.stream(seed: 3, clustered: true, count: 200, dimensions: 4) { hotspots = try detector.process(record) }
        #expect(hotspots.count == 2)
        #expect(hotspots.allSatisfy { $0.minValues.count == 4 && $0.pointCount >= 20 })
    }

    @Test func resultIsKDAShapedJSON() throws {
        let hotspot = HotspotDetector.Hotspot(density: 2.5, minValues: [1, 2], maxValues: [1.5, 2.25], pointCount: 9)
        #expect(HotspotDetector.resultJSON([hotspot]) == #"{"hotspots":[{"density":2.5,"minValues":[1.0,2.0],"maxValues":[1.5,2.25]}]}"#)
        #expect(HotspotDetector.resultJSON([]) == #"{"hotspots":[]}"#)
    }

    @Test func rejectsBadArgumentsAndRecords() throws {
        #expect(throws: SketchConfigurationError.self) { try HotspotDetector(dimensions: 2, windowSize: 99, scanRadius: 1, minimumPoints: 3) }
        #expect(throws: SketchConfigurationError.self) { try HotspotDetector(dimensions: 2, windowSize: 100, scanRadius: 0, minimumPoints: 3) }
        #expect(throws: SketchConfigurationError.self) { try HotspotDetector(dimensions: 2, windowSize: 100, scanRadius: 1, minimumPoints: 1) }
        var detector = try HotspotDetector(dimensions: 2, windowSize: 100, scanRadius: 1, minimumPoints: 3)
        #expect(throws: HotspotDetector.RecordError.self) { try detector.process([1]) }
        #expect(throws: HotspotDetector.RecordError.self) { try detector.process([1, .infinity]) }
    }
}
