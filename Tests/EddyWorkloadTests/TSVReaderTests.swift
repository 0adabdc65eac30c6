import Foundation
import Testing
@testable import EddyWorkload

@Suite("TSV files (Amazon Customer Reviews layout)")
struct TSVReaderTests {
    @Test("each row becomes one JSON object with the dataset's fields, typed per value")
    func amazonRows() throws {
        let lines = Support.read(AmazonReviewsSample.file, .tsv)
        #expect(lines.map(\.line) == [2, 3, 4, 5, 6])
        let records = Support.records(lines)
        #expect(records.count == 4)

        let first = try #require(Support.object(records[0]))
        #expect(first.count == 15)
        #expect(first["marketplace"] as? String == "US")
        #expect(first["customer_id"] as? Int == 3_653_882)
        #expect(first["review_id"] as? String == "R3O9SGZBVQBV76")
        #expect(first["product_id"] as? String == "B00FALQ1ZC")
        #expect(first["product_parent"] as? Int == 937_001_370)
        #expect(first["product_title"] as? String == "Invicta Women's 15150 \"Angel\" 18k Yellow Gold Ion-Plated Stainless Steel and Brown Leather Watch")
        #expect(first["star_rating"] as? Int == 5)
        #expect(first["helpful_votes"] as? Int == 0)
        #expect(first["vine"] as? String == "N")
        #expect(first["verified_purchase"] as? String == "Y")
        #expect(first["review_date"] as? String == "2015-08-31")

        let third = try #require(Support.object(records[2]))
        #expect(third["review_body"] as? String == "Scratches<br /><br />and a \\ backslash")
        #expect(third["total_votes"] as? Int == 1)

        let fourth = try #require(Support.object(records[3]))
        #expect(fourth["customer_id"] as? String == "0012345")
        #expect(fourth["product_parent"] as? Int == 101)
        #expect(fourth["product_title"] as? String == "Naturally \"Dry\" Tea, 12 ct")
    }

    @Test("the keys keep the header's order")
    func keyOrder() throws {
        let records = Support.records(Support.read(AmazonReviewsSample.file, .tsv))
        let text = Support.text(records[0])
        let names = AmazonReviewsSample.header.split(separator: "\t").map(String.init)
        let positions = names.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test("a row with the wrong field count is malformed with its line and a reason")
    func wrongFieldCount() {
        let lines = Support.read(AmazonReviewsSample.file, .tsv)
        guard case .malformed(let line, let reason, let raw) = lines.last else {
            Issue.record("the short row should be malformed")
            return
        }
        #expect(line == 6)
        #expect(reason == "expected 15 fields (as in the header), found 14")
        #expect(Support.text(raw) == AmazonReviewsSample.shortRow)
    }

    @Test("quotes are data in TSV, CRLF line ends are accepted, empty cells are null")
    func tsvDetails() throws {
        let lines = Support.read("a\tb\tc\r\n\"x\"\t\t\"\"\r\n", .tsv)
        let record = try #require(Support.records(lines).first)
        let object = try #require(Support.object(record))
        #expect(object["a"] as? String == "\"x\"")
        #expect(object["b"] is NSNull)
        #expect(object["c"] as? String == "\"\"")
    }

    @Test("invalid UTF-8 in a row is malformed; later rows still convert")
    func invalidUTF8() {
        var bytes = Support.bytes("name\tn\nok\t1\n")
        bytes += [0x62, 0x61, 0xFF, 0x64, 0x09, 0x32, 0x0A]
        bytes += Support.bytes("fine\t3\n")
        let lines = Support.read(bytes: bytes, .tsv)
        #expect(lines.count == 3)
        guard case .malformed(let line, let reason, _) = lines[1] else { Issue.record("expected malformed"); return }
        #expect(line == 3)
        #expect(reason == "invalid UTF-8 (byte 0xFF) at column 3")
        #expect(lines[2] == .record(line: 4, json: Support.bytes("{\"name\":\"fine\",\"n\":3}")))
    }
}
