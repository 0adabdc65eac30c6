import Foundation
@testable import EddyWorkload

/// Helpers shared by the workload tests.
enum Support {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Reads every record of an in-memory file.
    static func read(_ text: String, _ format: RecordFileFormat) -> [RecordLine] {
        Array(RecordFileReader(bytes: bytes(text), format: format))
    }

    static func read(bytes: [UInt8], _ format: RecordFileFormat) -> [RecordLine] {
        Array(RecordFileReader(bytes: bytes, format: format))
    }

    /// Parses a record's JSON with Foundation (an independent parser) for assertions.
    static func object(_ json: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any]
    }

    static func records(_ lines: [RecordLine]) -> [[UInt8]] {
        lines.compactMap { if case .record(_, let json) = $0 { json } else { nil } }
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// A fresh temporary file with `contents`; the caller removes it.
    static func temporaryFile(_ contents: [UInt8], suffix: String) throws -> String {
        let path = NSTemporaryDirectory() + "eddy-workload-\(UUID().uuidString)\(suffix)"
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }
}
