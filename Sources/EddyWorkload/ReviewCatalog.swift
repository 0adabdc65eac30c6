import EddyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The products and customers reviews are about, derived from numbers rather than stored.
///
/// A product is (category, popularity rank); its ASIN-like id, parent id and title are pure
/// functions of that pair, so the catalog costs no memory and is the same for every seed (as a
/// real shop's catalog would be). Popularity follows a Zipf law, so a few products get most
/// reviews; customers are partly a pool of regulars (also Zipf) who review again and again.
enum ReviewCatalog {
    static let productsPerCategory = 2_000
    static let productPopularityExponent = 1.07
    static let regularCustomers = 20_000
    static let regularCustomerShare = 0.45
    static let customerIDBase: Int64 = 10_000_000
    static let customerIDSpan: UInt64 = 43_000_000

    /// A 0-based rank in 0..<count drawn from a Zipf(exponent) law, by inverting the continuous
    /// approximation of its CDF (one `pow` pair per draw, no table). `exponent` must not be 1.
    static func zipfRank(_ unit: Double, count: Int, exponent: Double) -> Int {
        let oneMinus = 1 - exponent
        let top = pow(Double(count + 1), oneMinus)
        let value = pow(1 + unit * (top - 1), 1 / oneMinus)
        return min(count - 1, max(0, Int(value) - 1))
    }

    /// Appends the 10-character ASIN-like product id: `B0`, two characters for the category and
    /// six for the scrambled rank. Every scrambling step (odd multiply, add, xor-shift, all
    /// modulo 2³¹) is a bijection and 2³¹ < 36⁶, so ids are unique.
    static func appendProductID(category: Int, rank: Int, to output: inout [UInt8]) {
        output.appendLiteral("B0")
        appendBase36(UInt64(category + 10), width: 2, to: &output)
        let mask: UInt64 = 0x7FFF_FFFF
        var scrambled = (UInt64(rank) &* 0x5DEE_CE66D &+ 0x2545_F491) & mask
        scrambled ^= scrambled >> 13
        scrambled = (scrambled &* 0x2C1B_3C6D) & mask
        scrambled ^= scrambled >> 16
        appendBase36(scrambled, width: 6, to: &output)
    }

    /// Variants (three consecutive ranks) share a parent, as colour/size variants do on Amazon.
    static func productParent(category: Int, rank: Int) -> Int64 {
        100_000_000 + Int64(SplitMix64.mix(UInt64(category) << 40 | UInt64(rank / 3)) % 900_000_000)
    }

    static func titleParts(category: Int, rank: Int) -> (brand: Int, adjective: Int, noun: Int) {
        let hash = SplitMix64.mix(UInt64(category) << 32 | UInt64(rank) | 1 << 63)
        let entry = ReviewVocabulary.categories[category]
        return (
            Int(hash % UInt64(entry.brands.count)),
            Int((hash >> 16) % UInt64(ReviewVocabulary.titleAdjectives.count)),
            Int((hash >> 32) % UInt64(entry.nouns.count))
        )
    }

    static func regularCustomerID(_ index: Int) -> Int64 {
        customerIDBase + Int64(SplitMix64.mix(UInt64(index) ^ 0xC0FF_EE00_D15E_A5E5) % customerIDSpan)
    }

    /// Draws the reviewer: a regular (Zipf over the pool) or a one-off customer.
    static func drawCustomer(_ random: inout SeededRandom) -> Int64 {
        if random.chance(regularCustomerShare) {
            return regularCustomerID(zipfRank(random.nextUnit(), count: regularCustomers, exponent: 1.1))
        }
        return customerIDBase + Int64(random.next() % customerIDSpan)
    }

    /// Draws a category index by the vocabulary's weights.
    static func drawCategory(_ random: inout SeededRandom) -> Int {
        let ticket = random.nextBelow(100)
        return ReviewVocabulary.cumulativeCategoryWeights.firstIndex { ticket < $0 } ?? 0
    }

    static func drawRank(_ random: inout SeededRandom) -> Int {
        zipfRank(random.nextUnit(), count: productsPerCategory, exponent: productPopularityExponent)
    }

    /// Draws a star rating from the J-shaped distribution.
    static func drawRating(_ random: inout SeededRandom) -> Int {
        var ticket = random.nextBelow(100)
        for (index, percent) in ReviewVocabulary.ratingPercent.enumerated() {
            if ticket < percent { return index + 1 }
            ticket -= percent
        }
        return 5
    }

    /// Total votes: most reviews get none, some a few, a rare one hundreds. Helpful ≤ total.
    static func drawVotes(_ random: inout SeededRandom) -> (helpful: Int, total: Int) {
        let roll = random.nextUnit()
        let total: Int
        if roll < 0.55 {
            total = 0
        } else if roll < 0.98 {
            total = 1 + Int(-log(1 - random.nextUnit()) * 2.5)
        } else {
            total = 20 + Int(exp(random.nextUnit() * 5.5))
        }
        let helpful = total == 0 ? 0 : min(total, Int(Double(total) * (0.3 + 0.7 * random.nextUnit())))
        return (helpful, total)
    }

    static func appendBase36(_ value: UInt64, width: Int, to output: inout [UInt8]) {
        let digits: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        let start = output.count
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var rest = value
        var index = start + width - 1
        digits.withUTF8Buffer { table in
            while rest > 0, index >= start {
                output[index] = table[Int(rest % 36)]
                rest /= 36
                index -= 1
            }
        }
    }
}
