/// JSON text written by hand for bins and their messages: exports, MQTT payloads, SensorThings
/// requests. Written byte by byte so the same bin always gives the same bytes, on every retry.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    public static func string(_ value: String) -> String {
        var out = ""
        append(value, to: &out)
        return out
    }

    /// Appends `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func append(_ value: String, to json: inout String) {
        json.reserveCapacity(json.utf8.count + value.utf8.count + 2)
        json += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
