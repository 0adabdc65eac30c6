/// The little JSON the dashboard writes, built by hand so publishing needs no Foundation encoder.
enum JSONText {
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // `<` is escaped so a value can never close the page's <script> element.
            case "<": out += "\\u003c"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += "\\u"
                    let hex = String(scalar.value, radix: 16)
                    out += String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        appendString(text, to: &out)
        return out
    }

    /// JSON has no NaN or infinity: they become `null`, which the page treats as a gap.
    static func appendNumber(_ value: Double, to out: inout String) {
        guard value.isFinite else {
            out += "null"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            out += String(Int64(value))
        } else {
            out += String(value)
        }
    }

    static func appendValue(_ value: DashboardValue, to out: inout String) {
        switch value {
        case .number(let number): appendNumber(number, to: &out)
        case .integer(let integer): out += String(integer)
        case .text(let text): appendString(text, to: &out)
        case .timestamp(let millis): out += String(millis)
        case .null: out += "null"
        }
    }
}
