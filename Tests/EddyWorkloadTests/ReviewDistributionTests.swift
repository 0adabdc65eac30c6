import Foundation
import Testing
@testable import EddyWorkload

/// Sanity of the synthetic stream's statistics over 10,000 regular records.
@Suite("Review stream statistics")
struct ReviewDistributionTests {
    struct Review {
        let category: String
        let rating: Int
        let product: String
        let customer: Int
        let text: String
    }

    static let reviews: [Review] = {
        var generator = ReviewGenerator(seed: 2026, startEventTimeMillis: 0, eventsPerSecond: 1000, anomalies: nil)
        return (0..<10_000).map { _ in
            let object = Support.object(generator.next().value) ?? [:]
            return Review(
                category: object["product_category"] as? String ?? "",
                rating: object["star_rating"] as? Int ?? 0,
                product: object["product_id"] as? String ?? "",
                customer: object["customer_id"] as? Int ?? 0,
                text: "\(object["review_headline"] as? String ?? "") \(object["review_body"] as? String ?? "")"
            )
        }
    }()

    static func share(_ predicate: (Review) -> Bool) -> Double {
        Double(reviews.filter(predicate).count) / Double(reviews.count)
    }

    @Test("categories follow a skewed mix led by Books and Electronics")
    func categories() {
        let expected: [String: Double] = [
            "Books": 0.24, "Electronics": 0.16, "Home": 0.13, "Apparel": 0.10, "Beauty": 0.09,
            "Toys": 0.08, "Sports": 0.07, "Grocery": 0.06, "Kitchen": 0.04, "Video Games": 0.03,
        ]
        #expect(Set(Self.reviews.map(\.category)) == Set(expected.keys))
        for (category, share) in expected {
            // 10,000 draws: one standard deviation is at most 0.5 %; allow about four.
            #expect(abs(Self.share { $0.category == category } - share) < 0.02, "\(category)")
        }
    }

    @Test("ratings are J-shaped: mostly five stars, more ones than twos")
    func ratings() {
        let shares = (1...5).map { rating in Self.share { $0.rating == rating } }
        #expect(shares[4] > 0.5)
        #expect(shares[4] > shares[3] && shares[3] > shares[2])
        #expect(shares[0] > shares[1])
        #expect(shares[1] > 0.03 && shares[2] > 0.05)
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
    }

    @Test("a few products get a large share of the reviews; customers come back")
    func popularity() {
        var perProduct: [String: Int] = [:]
        var perCustomer: [Int: Int] = [:]
        for review in Self.reviews {
            perProduct[review.product, default: 0] += 1
            perCustomer[review.customer, default: 0] += 1
        }
        let counts = perProduct.values.sorted(by: >)
        let topFifty = counts.prefix(50).reduce(0, +)
        #expect(Double(topFifty) / 10_000 > 0.25)
        #expect(perProduct.count > 2_000)
        #expect(perCustomer.values.filter { $0 >= 3 }.count > 100)
        #expect(perCustomer.values.max() ?? 0 >= 20)
    }

    @Test("the wording follows the rating")
    func sentimentFollowsRating() {
        // A handful of words from the VADER lexicon with their valence signs.
        let positive = ["love", "great", "excellent", "perfect", "amazing", "happy", "recommend", "fantastic", "wonderful", "good", "nice", "beautiful", "best"]
        let negative = ["terrible", "waste", "worst", "awful", "hate", "horrible", "useless", "disappointed", "poor", "junk", "broke", "avoid", "cheap", "flimsy"]
        func score(_ text: String) -> Int {
            let words = text.lowercased().split { !$0.isLetter }
            let negated = text.lowercased().contains("not ")
            return words.reduce(0) { total, word in
                total + (positive.contains(String(word)) ? (negated ? 0 : 1) : 0) - (negative.contains(String(word)) ? 1 : 0)
            }
        }
        func meanScore(_ rating: Int) -> Double {
            let texts = Self.reviews.filter { $0.rating == rating }.map(\.text)
            return Double(texts.map(score).reduce(0, +)) / Double(max(1, texts.count))
        }
        #expect(meanScore(5) > 1)
        #expect(meanScore(1) < -1)
        #expect(meanScore(5) > meanScore(4) && meanScore(4) > meanScore(3) && meanScore(3) > meanScore(2))
        let fiveStar = Self.reviews.filter { $0.rating == 5 }.map(\.text)
        #expect(fiveStar.filter { $0.contains("!") }.count > fiveStar.count / 4)
        #expect(fiveStar.contains { $0.contains("LOVE IT") || $0.contains("AMAZING") })
        #expect(fiveStar.contains { $0.contains(":)") || $0.contains(":D") || $0.contains("<3") })
        let oneStar = Self.reviews.filter { $0.rating == 1 }.map(\.text)
        #expect(oneStar.contains { $0.contains(" but ") })
        #expect(oneStar.contains { $0.contains(":(") || $0.contains(":-(") || $0.contains(">:(") })
    }

    @Test("review ids are unique")
    func uniqueIDs() {
        var generator = ReviewGenerator(seed: 9, startEventTimeMillis: 0, eventsPerSecond: 1000, anomalies: AnomalyPlan(everySeconds: 1))
        var seen = Set<[UInt8]>()
        for _ in 0..<20_000 {
            if let key = generator.next().key { #expect(seen.insert(key).inserted) }
        }
        #expect(seen.count > 15_000)
    }
}
