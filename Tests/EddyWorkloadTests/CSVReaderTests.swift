import Foundation
import Testing
@testable import EddyWorkload

@Suite("CSV files")
struct CSVReaderTests {
    @Test("RFC 4180 quoting: commas, doubled quotes and line breaks inside quoted fields")
    func quoting() throws {
        let input = "id,text,n\n1,\"a, b\",2\n2,\"she said \"\"hi\"\"\",3\n3,\"two\nlines\",4\n4,plain,5\n"
        let lines = Support.read(input, .csv)
        #expect(lines.map(\.line) == [2, 3, 4, 6])
        let objects = try Support.records(lines).map { try #require(Support.object($0)) }
        #expect(objects.map { $0["text"] as? String } == ["a, b", "she said \"hi\"", "two\nlines", "plain"])
        #expect(objects.map { $0["n"] as? Int } == [2, 3, 4, 5])
        #expect(Support.text(Support.records(lines)[2]) == "{\"id\":3,\"text\":\"two\\nlines\",\"n\":4}")
    }

    @Test("values are typed one by one: numbers, booleans, null, strings")
    func valueTyping() {
        let input = "a,b,c,d,e,f,g,h,i,j\n42,-1.5e3,0012,true,FALSE,,\"\",+5,0,tRuE\n"
        let records = Support.records(Support.read(input, .csv))
        #expect(records.count == 1)
        #expect(Support.text(records[0]) ==
            "{\"a\":42,\"b\":-1.5e3,\"c\":\"0012\",\"d\":true,\"e\":false,\"f\":null,\"g\":\"\",\"h\":\"+5\",\"i\":0,\"j\":\"tRuE\"}")
    }

    @Test("quoted numbers are still numbers (the rule is per value, not per quoting)")
    func quotedNumbers() {
        let records = Support.records(Support.read("x,y\n\"7\",\"007\"\n", .csv))
        #expect(records.map(Support.text) == ["{\"x\":7,\"y\":\"007\"}"])
    }

    @Test("bad rows are malformed with the line where they start, and reading continues")
    func malformedRows() {
        let input = "a,b\n1,2\n1,2,3\nx\"y,2\n\"q\"z,2\n5,6\n\"open,7\n8,9\n"
        let lines = Support.read(input, .csv)
        let summary = lines.map { line -> String in
            switch line {
            case .record(let number, let json): "\(number) ok \(Support.text(json))"
            case .malformed(let number, let reason, _): "\(number) bad \(reason)"
            }
        }
        #expect(summary == [
            "2 ok {\"a\":1,\"b\":2}",
            "3 bad expected 2 fields (as in the header), found 3",
            "4 bad quote character inside unquoted field 1",
            "5 bad unexpected character after the closing quote of field 1",
            "6 ok {\"a\":5,\"b\":6}",
            "7 bad unterminated quoted field 1",
        ])
    }

    @Test("a header with a duplicate name makes every row malformed, saying why")
    func badHeader() {
        let lines = Support.read("a,a\n1,2\n", .csv)
        #expect(lines.count == 2)
        guard case .malformed(1, let reason, _) = lines[0], case .malformed(2, let rowReason, _) = lines[1] else {
            Issue.record("both lines should be malformed: \(lines)")
            return
        }
        #expect(reason == "invalid header row: duplicate column name 'a'")
        #expect(rowReason.contains("no valid header row"))
    }

    @Test("a byte-order mark, blank lines and a missing final newline are handled")
    func fileEdges() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Support.bytes("k,v\n\nα,1\n\r\nβ,2")
        let lines = Support.read(bytes: bytes, .csv)
        #expect(lines == [
            .record(line: 3, json: Support.bytes("{\"k\":\"α\",\"v\":1}")),
            .record(line: 5, json: Support.bytes("{\"k\":\"β\",\"v\":2}")),
        ])
    }

    @Test("header names are JSON-escaped")
    func escapedHeader() {
        let records = Support.records(Support.read("\"say \"\"hi\"\"\",tab\n1,2\n", .csv))
        #expect(records.map(Support.text) == ["{\"say \\\"hi\\\"\":1,\"tab\":2}"])
    }
}
