/// The fixed vocabulary of the synthetic review stream: categories with their share of reviews,
/// product naming parts, and review wording per star rating.
///
/// Everything is pre-encoded to UTF-8 once, so generating a record copies bytes and never
/// builds `String`s.
enum ReviewVocabulary {
    struct Category: Sendable {
        let name: [UInt8]
        let displayName: String
        /// Share of all reviews, in percent (weights sum to 100).
        let weight: Int
        let brands: [[UInt8]]
        /// (title form, lowercase form used inside review text).
        let nouns: [(title: [UInt8], text: [UInt8])]
    }

    static let categories: [Category] = [
        category("Books", 24, ["Penguin", "HarperCollins", "Vintage", "Scholastic", "Random House"],
                 [("Mystery Novel", "novel"), ("Cookbook", "cookbook"), ("Biography", "biography"), ("Thriller", "thriller"),
                  ("Travel Guide", "guide"), ("Poetry Collection", "book"), ("Children's Picture Book", "book")]),
        category("Electronics", 16, ["Sony", "Anker", "Logitech", "Samsung", "JBL"],
                 [("Wireless Headphones", "headphones"), ("Bluetooth Speaker", "speaker"), ("USB-C Charger", "charger"),
                  ("HDMI Cable, 6 ft", "cable"), ("Portable SSD", "drive"), ("Wireless Mouse", "mouse")]),
        category("Home", 13, ["Umbra", "Pinzon", "AmazonBasics", "Utopia", "Mainstays"],
                 [("Picture Frame 8\"x10\"", "frame"), ("Throw Pillow, Set of 2", "pillows"), ("Bath Towel", "towel"),
                  ("Shower Curtain", "curtain"), ("Table Lamp", "lamp")]),
        category("Apparel", 10, ["Hanes", "Levi's", "Carhartt", "Columbia", "Champion"],
                 [("Crew T-Shirt", "shirt"), ("Hoodie", "hoodie"), ("Running Socks", "socks"), ("Denim Jacket", "jacket"),
                  ("Rain Jacket", "jacket")]),
        category("Beauty", 9, ["CeraVe", "Neutrogena", "Olay", "Maybelline", "Burt's Bees"],
                 [("Moisturizing Cream", "cream"), ("Face Wash", "face wash"), ("Mascara", "mascara"), ("Lip Balm", "lip balm"),
                  ("Sunscreen SPF 50", "sunscreen")]),
        category("Toys", 8, ["LEGO", "Hasbro", "Mattel", "Melissa & Doug", "Fisher-Price"],
                 [("Building Set", "set"), ("Board Game", "game"), ("Plush Bear", "toy"), ("Puzzle, 1000 Pieces", "puzzle"),
                  ("Remote Control Car", "car")]),
        category("Sports", 7, ["Nike", "Coleman", "Yeti", "Under Armour", "Wilson"],
                 [("Yoga Mat", "mat"), ("Water Bottle", "bottle"), ("Camping Tent", "tent"), ("Resistance Bands", "bands"),
                  ("Basketball", "ball")]),
        category("Grocery", 6, ["Starbucks", "KIND", "Lavazza", "Nature Valley", "Annie's"],
                 [("Ground Coffee, 12 oz", "coffee"), ("Granola Bars", "bars"), ("Green Tea", "tea"), ("Dark Chocolate", "chocolate"),
                  ("Trail Mix", "snack")]),
        category("Kitchen", 4, ["OXO", "Lodge", "Cuisinart", "Pyrex", "KitchenAid"],
                 [("Cast Iron Skillet", "skillet"), ("Chef's Knife", "knife"), ("Glass Storage Containers", "containers"),
                  ("Coffee Grinder", "grinder")]),
        category("Video Games", 3, ["Nintendo", "Sony", "Microsoft", "Ubisoft", "EA"],
                 [("Racing Game", "game"), ("Wireless Controller", "controller"), ("Gaming Headset", "headset"), ("RPG", "game")]),
    ]

    /// Cumulative category weights, for one uniform draw per record.
    static let cumulativeCategoryWeights: [Int] = {
        var total = 0
        return categories.map { total += $0.weight; return total }
    }()

    static let titleAdjectives: [[UInt8]] = bytes(["Classic", "Premium", "Deluxe", "Compact", "Original", "Ultra", "Essential", "Pro"])

    /// Share of each star rating in percent, 1 to 5: the J shape of real review sites (many
    /// fives, a bump at one, few twos and threes).
    static let ratingPercent: [Int] = [10, 6, 9, 19, 56]

    /// `#` stands for the product noun in the text.
    static let headlines: [[[UInt8]]] = [
        bytes(["One Star", "Terrible", "Do not buy", "Waste of money", "Broke after a week", "Awful #",
               "Worst purchase ever", "Complete junk", "Very disappointed"]),
        bytes(["Two Stars", "Disappointed", "Not what I expected", "Could be better", "Meh", "Not worth the price",
               "Poor quality"]),
        bytes(["Three Stars", "It's okay", "Decent but not great", "Average #", "Mixed feelings", "Not bad, not great",
               "OK for the price"]),
        bytes(["Four Stars", "Very good", "Pretty good #", "Works well", "Nice #, minor issues", "Good value", "Happy with it",
               "Solid"]),
        bytes(["Five Stars", "Love it", "Absolutely love this #", "Excellent quality", "Best # ever", "Highly recommend",
               "Perfect", "Great value", "Exceeded my expectations", "Wonderful"]),
    ]

    static let sentences: [[[UInt8]]] = [
        bytes(["Terrible #, do not buy.", "It broke after a week.", "Complete waste of money.", "The worst # I have ever bought.",
               "Does not work at all.", "Awful quality, I returned it.", "Not good, not even close.",
               "I hate it, it stopped working on day one.", "Horrible customer service and a useless product.",
               "The pictures look nice, but the real thing is junk."]),
        bytes(["Not very good.", "I was disappointed with this #.", "It works, but not well.",
               "The quality is poor and it feels flimsy.", "Not worth the money.", "I expected more, but it did not deliver.",
               "Instructions were confusing and parts were missing.", "Not great, I would not buy it again."]),
        bytes(["It's okay, nothing special.", "The # works, but it feels cheap.", "Decent quality but a bit overpriced.",
               "Some things are good, some are not.", "Not bad, not great.", "It does what it says, I guess.", "Average at best."]),
        bytes(["Really good # overall.", "Works well, though the instructions could be clearer.", "Good quality for the price.",
               "I like it a lot.", "Nice design and sturdy.", "Does the job, a solid purchase.",
               "Pretty happy with it, but shipping was slow."]),
        bytes(["I love this #.", "Absolutely perfect, exactly what I wanted.", "The quality is excellent and it arrived quickly.",
               "Works great and looks beautiful.", "Best # I have ever owned.", "My whole family is happy with it.",
               "Highly recommend it to anyone.", "Great value for the money.", "It is amazing, I bought a second one.",
               "Fantastic # and easy to use."]),
    ]

    static let shoutedPositive: [[UInt8]] = bytes(["LOVE IT!", "AMAZING!", "SO GOOD!", "BEST EVER!"])
    static let shoutedNegative: [[UInt8]] = bytes(["NEVER AGAIN!", "TERRIBLE!", "AVOID!", "DO NOT BUY!"])
    static let positiveEmoticons: [[UInt8]] = bytes([":)", ":D", "<3", ";)"])
    static let negativeEmoticons: [[UInt8]] = bytes([":(", ":-(", ">:("])

    /// Wording of the spam burst: one customer praising one product over and over.
    static let spamHeadlines: [[UInt8]] = bytes(["BEST # EVER!!!", "MUST BUY!!!", "Five Stars!!!", "AMAZING # :D"])
    static let spamBody: [[UInt8]] = bytes(["BEST # EVER!!! Buy it now!!!", "Perfect perfect perfect!!! LOVE IT :D",
                                            "Greatest # in the world, five stars!!!"])

    private static func category(
        _ name: String, _ weight: Int, _ brands: [String], _ nouns: [(String, String)]
    ) -> Category {
        Category(
            name: Array(name.utf8), displayName: name, weight: weight, brands: bytes(brands),
            nouns: nouns.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        )
    }

    private static func bytes(_ strings: [String]) -> [[UInt8]] {
        strings.map { Array($0.utf8) }
    }
}
