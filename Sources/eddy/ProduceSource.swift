import EddyKafka
import EddyWorkload
import Foundation

/// Where `eddy produce` gets its records: a replayed file or the synthetic review generator.
enum ProduceSource {
    case file(RecordFileReader, stamper: EventTimeStamper)
    case generator(ReviewGenerator)

    enum Item {
        case record(line: Int?, key: [UInt8]?, value: [UInt8])
        case malformed(line: Int, reason: String)
    }

    /// The next record; nil at the end of a file (the generator never ends).
    mutating func next(nowMillis: Int64) -> Item? {
        switch self {
        case .file(var reader, let stamper):
            defer { self = .file(reader, stamper: stamper) }
            guard let line = reader.next() else { return nil }
            switch line {
            case .malformed(let number, let reason, _):
                return .malformed(line: number, reason: reason)
            case .record(let number, let json):
                do {
                    return .record(line: number, key: nil, value: try stamper.stamp(json, nowMillis: nowMillis))
                } catch {
                    return .malformed(line: number, reason: error.reason)
                }
            }
        case .generator(var generator):
            let record = generator.next()
            self = .generator(generator)
            return .record(line: nil, key: record.key, value: record.value)
        }
    }
}
