import EddyCore
import Testing
@testable import EddySketches

@Suite struct HashWordSetTests {
    /// Against `Set<UInt64>` on seeded values with many repeats, zero among them, across several growths.
    @Test func agreesWithSetThroughGrowth() {
        var generator = SplitMix64(seed: 11)
        var words = HashWordSet()
        var reference = Set<UInt64>()
        for n in 0..<20_000 {
            // A small pool first (repeats), then fresh values; 0 and values equal modulo the bucket count.
            let value: UInt64 = n % 97 == 0 ? 0 : (n < 5_000 ? generator.next() % 300 : generator.next())
            let colliding = value << 20
            #expect(words.insert(value) == reference.insert(value).inserted)
            #expect(words.insert(colliding) == reference.insert(colliding).inserted)
        }
        #expect(words.count == reference.count)
        #expect(words.members.sorted() == reference.sorted())
        #expect(words.contains(0) && !words.contains(1 << 62 | 12_345))
    }

    @Test func removeAllKeepsWorkingAndEqualityIgnoresOrder() {
        var a = HashWordSet()
        for value in [UInt64(5), 0, 1 << 40, 17] { a.insert(value) }
        var b = HashWordSet([17, 1 << 40, 0, 5, 5])
        #expect(a == b)
        b.insert(6)
        #expect(a != b)
        a.removeAll(keepingCapacity: true)
        #expect(a.isEmpty && !a.contains(0) && !a.contains(5))
        a.formUnion(b)
        #expect(a == b && a.count == 5)
    }
}
