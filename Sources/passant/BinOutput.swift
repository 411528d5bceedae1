import CountBins

/// How bins are printed: one JSON object per line, or CSV with a header. Times are ISO 8601 UTC.
enum BinFormat: String, CaseIterable {
    case json
    case csv

    static let csvHeader = "node,sensor,start,seconds,a_to_b,b_to_a,coverage,flags"

    func line(_ bin: CountBin, includeNode: Bool = true) -> String {
        let flags = bin.flags.names
        switch self {
        case .json:
            var fields: [String] = []
            if includeNode { fields.append("\"node\":\(jsonString(bin.key.node))") }
            fields += [
                "\"sensor\":\(jsonString(bin.key.sensor))",
                "\"start\":\"\(UTCTime.format(bin.key.start))\"",
                "\"seconds\":\(bin.key.length.rawValue)",
                "\"a_to_b\":\(bin.aToB)",
                "\"b_to_a\":\(bin.bToA)",
                "\"coverage\":\(bin.coverage)",
                "\"flags\":[\(flags.map(jsonString).joined(separator: ","))]",
            ]
            return "{" + fields.joined(separator: ",") + "}"
        case .csv:
            return [
                csvField(bin.key.node), csvField(bin.key.sensor), UTCTime.format(bin.key.start),
                "\(bin.key.length.rawValue)", "\(bin.aToB)", "\(bin.bToA)", "\(bin.coverage)",
                flags.joined(separator: " "),
            ].joined(separator: ",")
        }
    }
}

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

private func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
