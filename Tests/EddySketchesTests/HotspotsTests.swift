import Foundation
import Testing
@testable import EddySketches

/// A direct O(n²) DBSCAN over the window's points, written independently from the grid implementation,
/// with the same definition (inclusive radius, self counted, border points to their oldest core).
/// Points are given oldest first. Returns hotspots as (count, min, max), sorted by count then min.
private func referenceHotspots(_ points: [[Double]], radius: Double, minimumPoints: Int) -> [(Int, [Double], [Double])] {
    let n = points.count
    func near(_ a: Int, _ b: Int) -> Bool {
        zip(points[a], points[b]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) <= radius * radius
    }
    let neighbourhoods = (0..<n).map { i in (0..<n).filter { near(i, $0) } }
    let isCore = neighbourhoods.map { $0.count >= minimumPoints }
    var label = [Int](repeating: -1, count: n)
    var next = 0
    for start in 0..<n where isCore[start] && label[start] < 0 {
        var stack = [start]
        label[start] = next
        while let point = stack.popLast() {
            for other in neighbourhoods[point] where isCore[other] && label[other] < 0 {
                label[other] = next
                stack.append(other)
            }
        }
        next += 1
    }
    for point in 0..<n where !isCore[point] {
        if let core = neighbourhoods[point].filter({ isCore[$0] }).min() { label[point] = label[core] }  // oldest = smallest index
    }
    var result: [(Int, [Double], [Double])] = []
    for cluster in 0..<next {
        let members = (0..<n).filter { label[$0] == cluster }
        guard members.count >= minimumPoints else { continue }
        let dimensions = points[0].count
        let lows = (0..<dimensions).map { d in members.map { points[$0][d] }.min()! }
        let highs = (0..<dimensions).map { d in members.map { points[$0][d] }.max()! }
        result.append((members.count, lows, highs))
    }
    return result.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.lexicographicallyPrecedes($1.1) }
}

private func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= 1e-12 * max(1, abs(b))
}

private func uniformPoint(_ random: inout AlertTestRandom, dimensions: Int, scale: Double) -> [Double] {
    (0..<dimensions).map { _ in random.uniform() * scale }
}

private func clusteredPoint(_ random: inout AlertTestRandom, around center: [Double], spread: Double) -> [Double] {
    center.map { $0 + (random.uniform() - 0.5) * 2 * spread }
}

@Suite("Hotspots")
struct HotspotsTests {
    @Test("uniform noise has no hotspots")
    func uniformNoise() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 500, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 15, dimensions: 2))
        var random = AlertTestRandom(seed: 41)
        for index in 0..<3_000 {
            try hotspots.add(uniformPoint(&random, dimensions: 2, scale: 10))
            if index % 250 == 249 { #expect(hotspots.hotspots().isEmpty) }
        }
        var json: [UInt8] = []
        hotspots.writeResultJSON(into: &json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"hotspots":[]}"#)
    }

    @Test("injected dense clusters are found, with boxes around them and high density")
    func injectedClusters() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 600, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 15, dimensions: 2))
        var random = AlertTestRandom(seed: 42)
        let dense = [2.0, 3.0]
        let sparser = [7.0, 6.0]
        for index in 0..<600 {
            switch index % 10 {
            case 0, 1: try hotspots.add(clusteredPoint(&random, around: dense, spread: 0.1))
            case 2: try hotspots.add(clusteredPoint(&random, around: sparser, spread: 0.2))
            default: try hotspots.add(uniformPoint(&random, dimensions: 2, scale: 10))
            }
        }
        let found = hotspots.hotspots()
        #expect(found.count == 2)
        guard found.count == 2 else { return }
        #expect(found[0].density > found[1].density, "densest first")
        #expect(found[1].density > 20)
        for (hotspot, center, spread) in [(found[0], dense, 0.1), (found[1], sparser, 0.2)] {
            for dimension in 0..<2 {
                #expect(hotspot.minValues[dimension] >= center[dimension] - spread - 0.2)
                #expect(hotspot.maxValues[dimension] <= center[dimension] + spread + 0.2)
                #expect(hotspot.minValues[dimension] < center[dimension] && hotspot.maxValues[dimension] > center[dimension])
            }
        }
        #expect(found[0].pointCount >= 120)
        #expect(found[1].pointCount >= 55)
    }

    @Test("hotspots slide out of the window with their points")
    func slidingWindow() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 300, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 10, dimensions: 2))
        var random = AlertTestRandom(seed: 43)
        for _ in 0..<100 { try hotspots.add(clusteredPoint(&random, around: [5, 5], spread: 0.1)) }
        #expect(hotspots.hotspots().count == 1)
        for _ in 0..<300 { try hotspots.add(uniformPoint(&random, dimensions: 2, scale: 10)) }
        #expect(hotspots.hotspots().isEmpty)
        #expect(hotspots.pointCount == 300)
    }

    @Test("the incremental grid agrees with a brute-force DBSCAN, in 1, 3 and 6 dimensions", arguments: [1, 3, 6])
    func agreesWithBruteForce(dimensions: Int) throws {
        let radius = dimensions == 1 ? 0.02 : 0.6
        var hotspots = try Hotspots(configuration: .init(windowSize: 200, scanRadius: radius, minimumNumberOfPointsInAHotspot: 6, dimensions: dimensions))
        var random = AlertTestRandom(seed: 44 + UInt64(dimensions))
        var history: [[Double]] = []
        let centers = (0..<3).map { _ in uniformPoint(&random, dimensions: dimensions, scale: 10) }
        for index in 0..<1_200 {
            let point = random.next() % 3 == 0
                ? clusteredPoint(&random, around: centers[index / 400], spread: radius)
                : uniformPoint(&random, dimensions: dimensions, scale: 10)
            try hotspots.add(point)
            history.append(point)
            guard index % 150 == 0 || index == 1_199 else { continue }
            let expected = referenceHotspots(Array(history.suffix(200)), radius: radius, minimumPoints: 6)
            let actual = hotspots.hotspots()
                .map { ($0.pointCount, $0.minValues, $0.maxValues) }
                .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.lexicographicallyPrecedes($1.1) }
            #expect(actual.count == expected.count, "at point \(index)")
            for (a, e) in zip(actual, expected) {
                #expect(a.0 == e.0 && a.1 == e.1 && a.2 == e.2, "at point \(index)")
            }
        }
        #expect(history.suffix(200).count == hotspots.pointCount)
    }

    @Test("HOTSPOTS_RESULT is valid JSON in KDA's shape and matches hotspots()")
    func resultJSON() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 100, scanRadius: 0.5, minimumNumberOfPointsInAHotspot: 5, dimensions: 3))
        var random = AlertTestRandom(seed: 45)
        for index in 0..<100 {
            if index % 4 == 0 {
                try hotspots.add([1 + random.uniform() * 0.3, -2 - random.uniform() * 0.3, 3.0])
            } else {
                try hotspots.add(uniformPoint(&random, dimensions: 3, scale: 100))
            }
        }
        var buffer: [UInt8] = Array("prefix:".utf8)
        hotspots.writeResultJSON(into: &buffer)
        #expect(buffer.starts(with: Array("prefix:".utf8)), "appends to the caller's buffer")
        let object = try JSONSerialization.jsonObject(with: Data(buffer.dropFirst(7))) as? [String: Any]
        let list = try #require(object?["hotspots"] as? [[String: Any]])
        let expected = hotspots.hotspots()
        #expect(list.count == expected.count)
        #expect(expected.count == 1)
        for (entry, hotspot) in zip(list, expected) {
            #expect(Set(entry.keys) == ["density", "minValues", "maxValues"])
            // Foundation's parser on Linux may be off in the last bit, so compare closely here and
            // check below that the exact shortest round-trip text is what was written.
            #expect(close(entry["density"] as? Double, hotspot.density))
            #expect(zip(entry["minValues"] as? [Double] ?? [], hotspot.minValues).allSatisfy { close($0, $1) })
            #expect(zip(entry["maxValues"] as? [Double] ?? [], hotspot.maxValues).allSatisfy { close($0, $1) })
            #expect((entry["maxValues"] as? [Double])?.count == 3)
            let text = String(decoding: buffer, as: UTF8.self)
            #expect(text.contains("\"minValues\":[\(hotspot.minValues[0]),\(hotspot.minValues[1]),3.0]"))
            #expect(hotspot.minValues[2] == 3 && hotspot.maxValues[2] == 3)
        }
    }

    @Test("integral numbers are written without allocation-prone formatting, and still parse")
    func integralNumbers() {
        for value in [0.0, 7, -42, 123_456_789_012_345, -1e14, 0.5, -3.25, 1e300] {
            var buffer: [UInt8] = []
            HotspotResultJSON.appendNumber(value, to: &buffer)
            #expect(Double(String(decoding: buffer, as: UTF8.self)) == value)
        }
        var buffer: [UInt8] = []
        HotspotResultJSON.appendNumber(.infinity, to: &buffer)
        #expect(buffer == Array("null".utf8))
    }

    @Test("bad points are errors and leave the window unchanged")
    func badPoints() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 100, scanRadius: 1, minimumNumberOfPointsInAHotspot: 3, dimensions: 2))
        try hotspots.add([1, 2])
        let before = hotspots.snapshot()
        #expect(throws: HotspotsError.self) { try hotspots.add([1]) }
        #expect(throws: HotspotsError.self) { try hotspots.add([1, .nan]) }
        #expect(throws: HotspotsError.self) { try hotspots.add([.infinity, 1]) }
        #expect(hotspots.snapshot() == before)
        #expect(hotspots.pointCount == 1)
    }

    @Test("configurations outside KDA's ranges are refused", arguments: [
        HotspotsConfiguration(windowSize: 99, scanRadius: 1, minimumNumberOfPointsInAHotspot: 2, dimensions: 1),
        HotspotsConfiguration(windowSize: 1_001, scanRadius: 1, minimumNumberOfPointsInAHotspot: 2, dimensions: 1),
        HotspotsConfiguration(windowSize: 100, scanRadius: 0, minimumNumberOfPointsInAHotspot: 2, dimensions: 1),
        HotspotsConfiguration(windowSize: 100, scanRadius: .nan, minimumNumberOfPointsInAHotspot: 2, dimensions: 1),
        HotspotsConfiguration(windowSize: 100, scanRadius: 1, minimumNumberOfPointsInAHotspot: 1, dimensions: 1),
        HotspotsConfiguration(windowSize: 100, scanRadius: 1, minimumNumberOfPointsInAHotspot: 101, dimensions: 1),
        HotspotsConfiguration(windowSize: 100, scanRadius: 1, minimumNumberOfPointsInAHotspot: 2, dimensions: 0),
    ])
    func invalidConfiguration(configuration: HotspotsConfiguration) {
        #expect(throws: HotspotsError.self) { try Hotspots(configuration: configuration) }
    }

    @Test("a restored window reports and evolves identically")
    func snapshotRoundTrip() throws {
        var original = try Hotspots(configuration: .init(windowSize: 300, scanRadius: 0.3, minimumNumberOfPointsInAHotspot: 8, dimensions: 2))
        var random = AlertTestRandom(seed: 46)
        func nextPoint() -> [Double] {
            random.next() % 4 == 0 ? clusteredPoint(&random, around: [3, 3], spread: 0.3) : uniformPoint(&random, dimensions: 2, scale: 10)
        }
        for _ in 0..<700 { try original.add(nextPoint()) }
        var restored = try Hotspots(snapshot: original.snapshot())
        #expect(restored.snapshot() == original.snapshot())
        for _ in 0..<500 {
            let point = nextPoint()
            try original.add(point)
            try restored.add(point)
            guard random.next() % 8 == 0 else { continue }
            var a: [UInt8] = []
            var b: [UInt8] = []
            original.writeResultJSON(into: &a)
            restored.writeResultJSON(into: &b)
            #expect(a == b)
        }
        #expect(restored.snapshot() == original.snapshot())
        #expect(!original.hotspots().isEmpty)
    }

    @Test("bad snapshot bytes become errors")
    func badSnapshots() throws {
        var hotspots = try Hotspots(configuration: .init(windowSize: 100, scanRadius: 1, minimumNumberOfPointsInAHotspot: 3, dimensions: 2))
        for index in 0..<5 { try hotspots.add([Double(index), 1]) }
        let good = hotspots.snapshot()
        for length in 0..<good.count {
            #expect(throws: StateRestoreError.self) { try Hotspots(snapshot: Array(good.prefix(length))) }
        }
        var wrongVersion = good
        wrongVersion[4] = 0
        let error = #expect(throws: StateRestoreError.self) { try Hotspots(snapshot: wrongVersion) }
        #expect(error?.reason.contains("version 0") == true)
        var nanCoordinate = good
        withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { nanCoordinate.replaceSubrange(good.count - 8..<good.count, with: $0) }
        #expect(throws: StateRestoreError.self) { try Hotspots(snapshot: nanCoordinate) }
        var badRadius = good
        withUnsafeBytes(of: (-1.0).bitPattern.littleEndian) { badRadius.replaceSubrange(13..<21, with: $0) }
        #expect(throws: StateRestoreError.self) { try Hotspots(snapshot: badRadius) }
    }
}
