import CountBins

/// How bins are printed: one JSON object per line, or CSV with a header. Times are ISO 8601 UTC.
enum BinFormat: String, CaseIterable {
    case json
    case csv

    /// Fast movers come last, empty for a sensor that does not tell them apart.
    static let csvHeader = "node,sensor,start,seconds,a_to_b,b_to_a,coverage,flags,fast_a_to_b,fast_b_to_a"

    func line(_ bin: CountBin, includeNode: Bool = true) -> String {
        let flags = bin.flags.names
        switch self {
        case .json:
            var fields: [String] = []
            if includeNode { fields.append("\"node\":\(JSONText.string(bin.key.node))") }
            fields += [
                "\"sensor\":\(JSONText.string(bin.key.sensor))",
                "\"start\":\"\(UTCTime.format(bin.key.start))\"",
                "\"seconds\":\(bin.key.length.rawValue)",
                "\"a_to_b\":\(bin.aToB)",
                "\"b_to_a\":\(bin.bToA)",
                "\"coverage\":\(bin.coverage)",
                "\"flags\":[\(flags.map(JSONText.string).joined(separator: ","))]",
            ]
            if let fast = bin.fastMovers {
                fields.append("\"fast_movers\":{\"a_to_b\":\(fast.aToB),\"b_to_a\":\(fast.bToA)}")
            }
            return "{" + fields.joined(separator: ",") + "}"
        case .csv:
            return [
                csvField(bin.key.node), csvField(bin.key.sensor), UTCTime.format(bin.key.start),
                "\(bin.key.length.rawValue)", "\(bin.aToB)", "\(bin.bToA)", "\(bin.coverage)",
                flags.joined(separator: " "),
                bin.fastMovers.map { "\($0.aToB)" } ?? "", bin.fastMovers.map { "\($0.bToA)" } ?? "",
            ].joined(separator: ",")
        }
    }
}

private func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
