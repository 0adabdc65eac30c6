import Foundation
import Testing
@testable import EddyWorkload

@Suite("Record files on disk")
struct RecordFileReaderTests {
    @Test("formats are inferred from the extension")
    func inference() {
        #expect(RecordFileFormat(inferringFromPath: "/data/reviews.jsonl") == .jsonLines)
        #expect(RecordFileFormat(inferringFromPath: "x.JSON") == .jsonLines)
        #expect(RecordFileFormat(inferringFromPath: "x.ndjson") == .jsonLines)
        #expect(RecordFileFormat(inferringFromPath: "a.b/x.csv") == .csv)
        #expect(RecordFileFormat(inferringFromPath: "amazon_reviews_us_Books_v1_02.tsv") == .tsv)
        #expect(RecordFileFormat(inferringFromPath: "x.tab") == .tsv)
        #expect(RecordFileFormat(inferringFromPath: "x.txt") == nil)
        #expect(RecordFileFormat(inferringFromPath: "csv") == nil)
        #expect(RecordFileFormat(inferringFromPath: "dir.csv/file") == nil)
    }

    @Test("a missing file is an error with the system's reason")
    func missingFile() {
        #expect(throws: RecordFileError(kind: .cannotOpen, path: "/nonexistent/x.jsonl", reason: "No such file or directory")) {
            _ = try RecordFileReader(path: "/nonexistent/x.jsonl")
        }
        do {
            _ = try RecordFileReader(path: "/nonexistent/x.jsonl")
        } catch {
            #expect(error.description == "cannot open '/nonexistent/x.jsonl': No such file or directory")
        }
    }

    @Test("a directory and an unknown extension are errors")
    func otherOpenErrors() {
        let directory = NSTemporaryDirectory()
        #expect(throws: RecordFileError.self) { _ = try RecordFileReader(path: directory, format: .jsonLines) }
        do {
            _ = try RecordFileReader(path: directory, format: .csv)
        } catch {
            #expect(error.description.hasSuffix("Is a directory"))
        }
        do {
            _ = try RecordFileReader(path: "/tmp/whatever.txt")
            Issue.record("an unknown extension must be rejected")
        } catch {
            #expect(error.kind == .unknownFormat)
        }
    }

    @Test("a file larger than the read chunk streams with continuous line numbers")
    func largeFile() throws {
        // ~2.7 MiB: crosses the 1 MiB chunk boundary several times, with CSV records whose
        // quoted fields span lines and sit across the boundaries.
        var text = "id,body\n"
        let rows = 30_000
        for index in 0..<rows {
            text += index % 3 == 0 ? "\(index),\"line one \(index)\nline two, with comma\nand \"\"quotes\"\" \(String(repeating: "x", count: 40))\"\n"
                                   : "\(index),plain \(String(repeating: "y", count: 50))\n"
        }
        let path = try Support.temporaryFile(Support.bytes(text), suffix: ".csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try RecordFileReader(path: path)
        #expect(reader.format == .csv)
        var expectedLine = 2
        var count = 0
        while let line = reader.next() {
            guard case .record(let number, let json) = line else { Issue.record("unexpected \(line)"); return }
            #expect(number == expectedLine)
            let object = try #require(Support.object(json))
            #expect(object["id"] as? Int == count)
            expectedLine += count % 3 == 0 ? 3 : 1
            count += 1
        }
        #expect(count == rows)
    }

    @Test("the reader is a Sequence over a JSON lines file")
    func sequence() throws {
        let path = try Support.temporaryFile(Support.bytes("{\"a\":1}\n{\"a\":2}\n"), suffix: ".ndjson")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = Array(try RecordFileReader(path: path))
        #expect(lines == [.record(line: 1, json: Support.bytes("{\"a\":1}")), .record(line: 2, json: Support.bytes("{\"a\":2}"))])
    }
}
