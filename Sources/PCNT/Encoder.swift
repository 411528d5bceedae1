// Formatting of PCNT sentences: `$<body>*<CRC>\r\n`. Used by the simulator and the firmware to speak as
// a node, and by the gateway to send commands.

extension NodeSentence {
    /// The sentence body, without `$`, `*`, CRC and line end.
    public var body: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        switch message {
        case .hello: out.append(contentsOf: "HELLO".utf8)
        case .beam: out.append(UInt8(ascii: "B"))
        case .distances: out.append(UInt8(ascii: "D"))
        case .status: out.append(UInt8(ascii: "S"))
        case .keepalive: out.append(UInt8(ascii: "K"))
        case .response: out.append(UInt8(ascii: "R"))
        }
        PCNTFormat.appendField(&out, UInt64(seq))
        PCNTFormat.appendField(&out, UInt64(tick))
        switch message {
        case .hello(let hello):
            PCNTFormat.appendField(&out, UInt64(hello.protocolVersion))
            PCNTFormat.appendField(&out, hello.nodeID)
            PCNTFormat.appendField(&out, hello.firmware)
            PCNTFormat.appendField(&out, hello.kind.rawValue)
        case .beam(let channel, let interrupted):
            PCNTFormat.appendField(&out, channel.rawValue)
            PCNTFormat.appendField(&out, interrupted ? "1" : "0")
        case .distances(let da, let sa, let db, let sb):
            PCNTFormat.appendField(&out, UInt64(da))
            PCNTFormat.appendField(&out, UInt64(sa))
            PCNTFormat.appendField(&out, UInt64(db))
            PCNTFormat.appendField(&out, UInt64(sb))
        case .status(let status):
            PCNTFormat.appendField(&out, UInt64(status.uptimeSeconds))
            PCNTFormat.appendSignedField(&out, Int64(status.temperatureDeciCelsius))
            PCNTFormat.appendField(&out, UInt64(status.supplyMillivolts))
            out.append(UInt8(ascii: ","))
            PCNTFormat.appendHex(&out, UInt64(status.flags.rawValue), minimumDigits: 1)
        case .keepalive:
            break
        case .response(let response):
            PCNTFormat.appendField(&out, UInt64(response.request))
            PCNTFormat.appendField(&out, response.ok ? "OK" : "ERR")
            PCNTFormat.appendField(&out, response.key)
            PCNTFormat.appendField(&out, response.value)
        }
        return out
    }

    /// The complete sentence as sent on the wire, CRC and `\r\n` included.
    public var encoded: [UInt8] { PCNTFormat.frame(body) }
}

extension Command {
    /// The command body, without `$`, `*`, CRC and line end.
    public var body: [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .query(let request, let key):
            out.append(UInt8(ascii: "Q"))
            PCNTFormat.appendField(&out, UInt64(request))
            PCNTFormat.appendField(&out, key)
        case .set(let request, let key, let value):
            out.append(UInt8(ascii: "P"))
            PCNTFormat.appendField(&out, UInt64(request))
            PCNTFormat.appendField(&out, key)
            PCNTFormat.appendField(&out, value)
        case .write(let request):
            out.append(UInt8(ascii: "W"))
            PCNTFormat.appendField(&out, UInt64(request))
        case .hello(let request):
            out.append(UInt8(ascii: "H"))
            PCNTFormat.appendField(&out, UInt64(request))
        case .reboot(let request):
            out.append(UInt8(ascii: "X"))
            PCNTFormat.appendField(&out, UInt64(request))
        }
        return out
    }

    /// The complete command as sent on the wire, CRC and `\r\n` included.
    public var encoded: [UInt8] { PCNTFormat.frame(body) }
}

/// Low-level formatting shared by sentences and commands.
public enum PCNTFormat {
    /// Wraps a body as `$<body>*<CRC>\r\n`.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 8)
        out.append(UInt8(ascii: "$"))
        out.append(contentsOf: body)
        out.append(UInt8(ascii: "*"))
        appendHex(&out, UInt64(CRC16.ccittFalse(body)), minimumDigits: 4)
        out.append(UInt8(ascii: "\r"))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    static func appendField(_ out: inout [UInt8], _ value: UInt64) {
        out.append(UInt8(ascii: ","))
        appendDecimal(&out, value)
    }

    static func appendSignedField(_ out: inout [UInt8], _ value: Int64) {
        out.append(UInt8(ascii: ","))
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(&out, value.magnitude)
    }

    static func appendField(_ out: inout [UInt8], _ text: String) {
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: text.utf8)
    }

    static func appendDecimal(_ out: inout [UInt8], _ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for index in stride(from: count - 1, through: 0, by: -1) {
                out.append(buffer[index])
            }
        }
    }

    /// Uppercase hex, at least `minimumDigits` digits.
    static func appendHex(_ out: inout [UInt8], _ value: UInt64, minimumDigits: Int) {
        let hex: StaticString = "0123456789ABCDEF"
        var digits = 1
        while digits < 16 && (value >> (4 * UInt64(digits))) != 0 { digits += 1 }
        digits = max(digits, minimumDigits)
        hex.withUTF8Buffer { table in
            for index in stride(from: digits - 1, through: 0, by: -1) {
                out.append(table[Int((value >> (4 * UInt64(index))) & 0xF)])
            }
        }
    }
}
