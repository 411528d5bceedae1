// Text building blocks of the wire format: JSON strings and numbers written by hand (request bodies
// are built row by row for tens of thousands of rows, and must be the same bytes on every retry),
// OData literals and URL query encoding.

import CountBins
import Foundation

extension JSONText {
    /// A finite number in its shortest round-tripping form (`0.5`, `1.0`); JSON has no NaN, so a
    /// non-finite value is written as 0.
    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "0"
    }

    /// `{"k": v, …}` from already encoded values, in the given order.
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }
}

enum OData {
    /// A string literal in a `$filter`: single quotes, an inner quote doubled.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `parameters/passant_key eq 'k1' or …`.
    static func keyFilter(_ path: String, anyOf values: [String]) -> String {
        values.map { "\(path) eq \(literal($0))" }.joined(separator: " or ")
    }
}

enum URLQuery {
    /// `?a=b&c=d` with every character outside RFC 3986's unreserved set percent-encoded: OData
    /// options contain `$`, quotes, spaces and slashes.
    static func encode(_ items: [(String, String)]) -> String {
        if items.isEmpty { return "" }
        return "?" + items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
