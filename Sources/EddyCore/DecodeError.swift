/// Why a record could not be decoded or typed. Becomes the `REASON` of an `error_stream` row.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Category: String, Sendable {
        case malformed = "MALFORMED"
        case invalidUTF8 = "INVALID_UTF8"
        case missingField = "MISSING_FIELD"
        case wrongType = "WRONG_TYPE"
        case overlongString = "VARCHAR_TOO_LONG"
        case numericOverflow = "NUMERIC_OVERFLOW"
        case nullRowtime = "NULL_ROWTIME"
    }

    public var category: Category
    public var reason: String

    public init(_ category: Category, _ reason: String) {
        self.category = category
        self.reason = reason
    }

    public var description: String { "\(category.rawValue): \(reason)" }

    /// Reasons are built without the column's name (keeping the hot path free of string copies);
    /// the decoder fills it in when a record actually fails.
    public func naming(_ column: String) -> DecodeError {
        DecodeError(category, reason.replacingPlaceholder(with: column))
    }
}

/// Converts one scalar from bytes into a typed slot, with the checks KDA skipped: no silent
/// truncation of strings, no wrap-around of integers.
public enum SlotConversion {
    /// Stores `bytes` (already unescaped, valid UTF-8) as a string of `column`'s type.
    @inlinable public static func storeString(
        _ bytes: UnsafeRawBufferPointer, type: SQLType, slot: Int, frame: Frame
    ) throws(DecodeError) {
        let limit = type.maxLength ?? Int.max
        if case .char(let n) = type {
            let arena = frame.arena
            let length = UTF8Validation.scalarCount(bytes)
            if length > limit {
                throw DecodeError(.overlongString, "value of \(length) characters exceeds \(type) for column \u{1}")
            }
            let ref = arena.store(bytes)
            if length < n {
                let pad = n - length
                let p = arena.reserve(pad)
                p.initialize(repeating: UInt8(ascii: " "), count: pad)
                arena.commit(pad)
                frame.set(slot, StringRef.make(offset: StringRef.offset(ref), length: bytes.count + pad))
            } else {
                frame.set(slot, ref)
            }
            return
        }
        // A text has at most as many characters as bytes: count them only when the bytes exceed the limit.
        if bytes.count > limit {
            let length = UTF8Validation.scalarCount(bytes)
            if length > limit {
                throw DecodeError(.overlongString, "value of \(length) characters exceeds \(type) for column \u{1}")
            }
        }
        frame.set(slot, frame.withArena { $0.store(bytes) })
    }

    /// Converts text (a CSV field, or a JSON string for a non-string column) to the column's type.
    public static func storeText(
        _ bytes: UnsafeRawBufferPointer, type: SQLType, slot: Int, frame: Frame
    ) throws(DecodeError) {
        switch type.kind {
        case .string:
            try storeString(bytes, type: type, slot: slot, frame: frame)
        case .timestamp:
            if case .value(let ms) = NumberParsing.parseInteger(bytes) {
                frame.set(slot, UInt64(bitPattern: ms))
            } else if let ms = CivilTime.parseTimestamp(bytes) {
                frame.set(slot, UInt64(bitPattern: ms))
            } else {
                throw wrongType(type, found: bytes)
            }
        case .date:
            guard let days = CivilTime.parseDate(bytes) else { throw wrongType(type, found: bytes) }
            frame.set(slot, UInt64(bitPattern: days))
        case .boolean:
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            switch text {
            case "true", "1": frame.set(slot, 1)
            case "false", "0": frame.set(slot, 0)
            default: throw wrongType(type, found: bytes)
            }
        case .integer, .double:
            try storeNumber(bytes, type: type, slot: slot, frame: frame)
        }
    }

    /// Converts a numeric token to an integer, floating or decimal column, checking range.
    @inlinable public static func storeNumber(
        _ bytes: UnsafeRawBufferPointer, type: SQLType, slot: Int, frame: Frame
    ) throws(DecodeError) {
        switch type.kind {
        case .integer, .timestamp:
            switch NumberParsing.parseInteger(bytes) {
            case .value(let v):
                if let range = type.integerRange, !range.contains(v) {
                    throw overflow(type, bytes)
                }
                frame.set(slot, UInt64(bitPattern: v))
            case .overflow:
                throw overflow(type, bytes)
            case .notInteger:
                throw wrongType(type, found: bytes)
            }
        case .double:
            guard let d = NumberParsing.parseDouble(bytes) else { throw wrongType(type, found: bytes) }
            if case .decimal(let p, let s) = type, NumberParsing.integerDigits(d) > p - s {
                throw overflow(type, bytes)
            }
            if case .real = type, d.isFinite, !Float(d).isFinite { throw overflow(type, bytes) }
            if !d.isFinite { throw overflow(type, bytes) }
            frame.set(slot, d.bitPattern)
        case .string, .boolean, .date:
            throw wrongType(type, found: bytes)
        }
    }

    @usableFromInline static func wrongType(_ type: SQLType, found bytes: UnsafeRawBufferPointer) -> DecodeError {
        DecodeError(.wrongType, "column \u{1} expects \(type), found \(preview(bytes))")
    }

    @usableFromInline static func overflow(_ type: SQLType, _ bytes: UnsafeRawBufferPointer) -> DecodeError {
        DecodeError(.numericOverflow, "value \(preview(bytes)) does not fit \(type) column \u{1}")
    }

    static func preview(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        return "'" + text + (bytes.count > 40 ? "…" : "") + "'"
    }
}

extension String {
    func replacingPlaceholder(with name: String) -> String {
        var out = ""
        for ch in unicodeScalars { if ch == "\u{1}" { out += name } else { out.unicodeScalars.append(ch) } }
        return out
    }
}
