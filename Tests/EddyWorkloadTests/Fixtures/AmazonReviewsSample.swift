/// Rows in the exact layout of the Amazon Customer Reviews dataset TSVs
/// (amazon_reviews_us_*.tsv): header row, tab-separated, no quoting, `<br />` inside bodies.
/// Kept in a Swift file because SwiftPM warns about unhandled data files in a test target.
enum AmazonReviewsSample {
    static let header = "marketplace\tcustomer_id\treview_id\tproduct_id\tproduct_parent\tproduct_title\tproduct_category\tstar_rating\thelpful_votes\ttotal_votes\tvine\tverified_purchase\treview_headline\treview_body\treview_date"

    static let rows = [
        "US\t3653882\tR3O9SGZBVQBV76\tB00FALQ1ZC\t937001370\tInvicta Women's 15150 \"Angel\" 18k Yellow Gold Ion-Plated Stainless Steel and Brown Leather Watch\tWatches\t5\t0\t0\tN\tY\tFive Stars\tAbsolutely love this watch! Get compliments almost every time I wear it. Dainty.\t2015-08-31",
        "US\t14661224\tRKH8BNC3L5DLF\tB00D3RGO20\t484010722\tKenneth Cole New York Women's KC4944 Automatic Silver Automatic Mesh Bracelet Analog Watch\tWatches\t5\t0\t0\tN\tY\tI love thiswatch it keeps time wonderfully\tI love this watch it keeps time wonderfully.\t2015-08-31",
        "US\t27324930\tR2HLE8WKZSU3NL\tB00DKYC7TK\t361166390\tRitche 22mm Black Stainless Steel Bracelet Watch Band Strap Pure Solid Links Double Locking Clasp for Men\tWatches\t2\t1\t1\tN\tY\tTwo Stars\tScratches<br /><br />and a \\ backslash\t2015-08-31",
        // A leading-zero customer id stays a string; the row is otherwise regular.
        "US\t0012345\tR1PKQ3W8C2TXWN\tB00XN7Q5CE\t101\tNaturally \"Dry\" Tea, 12 ct\tGrocery\t1\t12\t15\tN\tN\tNot good\tNot good, not even close :(\t2015-08-30",
    ]

    /// A row with 14 instead of 15 fields (the review_body column is missing).
    static let shortRow = "US\t42\tRSHORTROW00001\tB000000001\t7\tTitle\tBooks\t4\t0\t0\tN\tY\tHeadline\t2015-08-29"

    static var file: String {
        ([header] + rows + [shortRow]).joined(separator: "\n") + "\n"
    }
}
