// Formatting of PCNT sentences: `$<body>*<CRC>\r\n`. Used by the simulator and the firmware to speak as
// a node, and by the gateway to send commands.
//
// Every sentence is written through a `PCNTByteSink`: on the gateway and in the simulator that is a
// `[UInt8]`, in the node firmware a fixed buffer, so the firmware formats its sentences with this very
// code and without touching the heap.

/// Where encoded bytes go, one at a time.
public protocol PCNTByteSink {
    mutating func append(_ byte: UInt8)
}

extension Array: PCNTByteSink where Element == UInt8 {}

extension NodeSentence {
    /// The sentence body, without `$`, `*`, CRC and line end.
    public var body: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        writeBody(to: &out)
        return out
    }

    /// The complete sentence as sent on the wire, CRC and `\r\n` included.
    public var encoded: [UInt8] { PCNTFormat.frame(body) }

    /// Writes the complete sentence, `$` to `\n`, into `out`.
    public func write<Sink: PCNTByteSink>(to out: inout Sink) {
        var crc = CRCAccumulator()
        writeBody(to: &crc)
        out.append(UInt8(ascii: "$"))
        writeBody(to: &out)
        PCNTFormat.appendTrailer(&out, crc: crc.crc)
    }

    /// Writes the body, `TYPE,seq,t,…`, into `out`.
    public func writeBody<Sink: PCNTByteSink>(to out: inout Sink) {
        switch message {
        case .hello: PCNTFormat.appendText(&out, "HELLO")
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
            out.append(UInt8(ascii: ","))
            out.append(channel == .a ? UInt8(ascii: "A") : UInt8(ascii: "B"))
            out.append(UInt8(ascii: ","))
            out.append(interrupted ? UInt8(ascii: "1") : UInt8(ascii: "0"))
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
    }
}

extension Command {
    /// The command body, without `$`, `*`, CRC and line end.
    public var body: [UInt8] {
        var out: [UInt8] = []
        writeBody(to: &out)
        return out
    }

    /// The complete command as sent on the wire, CRC and `\r\n` included.
    public var encoded: [UInt8] { PCNTFormat.frame(body) }

    /// Writes the body, `TYPE,req,…`, into `out`.
    public func writeBody<Sink: PCNTByteSink>(to out: inout Sink) {
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
    }
}

/// Runs the CRC over bytes written to it, keeping none of them: the first pass of `write(to:)`, so the
/// CRC is known without buffering the body.
struct CRCAccumulator: PCNTByteSink {
    var crc: UInt16 = 0xFFFF

    mutating func append(_ byte: UInt8) {
        crc = CRC16.update(crc, byte)
    }
}

/// Low-level formatting shared by sentences and commands.
public enum PCNTFormat {
    /// Wraps a body as `$<body>*<CRC>\r\n`.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 8)
        out.append(UInt8(ascii: "$"))
        out.append(contentsOf: body)
        appendTrailer(&out, crc: CRC16.ccittFalse(body))
        return out
    }

    /// `*<CRC>\r\n`.
    static func appendTrailer<Sink: PCNTByteSink>(_ out: inout Sink, crc: UInt16) {
        out.append(UInt8(ascii: "*"))
        appendHex(&out, UInt64(crc), minimumDigits: 4)
        out.append(UInt8(ascii: "\r"))
        out.append(UInt8(ascii: "\n"))
    }

    static func appendField<Sink: PCNTByteSink>(_ out: inout Sink, _ value: UInt64) {
        out.append(UInt8(ascii: ","))
        appendDecimal(&out, value)
    }

    static func appendSignedField<Sink: PCNTByteSink>(_ out: inout Sink, _ value: Int64) {
        out.append(UInt8(ascii: ","))
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(&out, value.magnitude)
    }

    static func appendField<Sink: PCNTByteSink>(_ out: inout Sink, _ text: String) {
        out.append(UInt8(ascii: ","))
        appendText(&out, text)
    }

    static func appendText<Sink: PCNTByteSink>(_ out: inout Sink, _ text: String) {
        for byte in text.utf8 { out.append(byte) }
    }

    /// Decimal digits of `value`, most significant first, without a buffer: the largest power of ten
    /// not above `value` is found first.
    public static func appendDecimal<Sink: PCNTByteSink>(_ out: inout Sink, _ value: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var rest = value
        while true {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            if divisor == 1 { break }
            divisor /= 10
        }
    }

    /// Uppercase hex, at least `minimumDigits` digits.
    static func appendHex<Sink: PCNTByteSink>(_ out: inout Sink, _ value: UInt64, minimumDigits: Int) {
        var digits = 1
        while digits < 16 && (value >> (4 * UInt64(digits))) != 0 { digits += 1 }
        digits = max(digits, minimumDigits)
        for index in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: (value >> (4 * UInt64(index))) & 0xF)
            out.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10)
        }
    }
}
