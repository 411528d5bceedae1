// A tiny PCNT line reader for checking the simulator's bytes, independent of the gateway's decoder (which
// is written in parallel): split at line ends, resynchronise on the last `$`, check the CRC.

import PCNT

/// One checked sentence from the wire.
struct WireSentence: Equatable {
    var type: String
    var seq: UInt16
    var tick: UInt32
    /// Fields after `TYPE,seq,t`.
    var fields: [String]
    var text: String
}

enum WireLines {
    /// Every `\n`-terminated line of `bytes`, from its last `$`, with what could be read of it: a sentence
    /// whose CRC and framing are right, or `nil`.
    static func read(_ bytes: [UInt8]) -> [(line: [UInt8], sentence: WireSentence?)] {
        var out: [(line: [UInt8], sentence: WireSentence?)] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == UInt8(ascii: "$") { current = [] }
            current.append(byte)
            if byte == UInt8(ascii: "\n") {
                if current.first == UInt8(ascii: "$") { out.append((current, parse(current))) }
                current = []
            }
        }
        return out
    }

    /// The valid sentences in `bytes`.
    static func sentences(_ bytes: [UInt8]) -> [WireSentence] {
        read(bytes).compactMap(\.sentence)
    }

    /// Parses one `$…*CRC\r\n` line.
    static func parse(_ line: [UInt8]) -> WireSentence? {
        guard line.count >= 10, line.count <= PCNTLimits.maxSentenceBytes, line.first == UInt8(ascii: "$"),
            line.suffix(2) == [UInt8(ascii: "\r"), UInt8(ascii: "\n")],
            line[line.count - 7] == UInt8(ascii: "*")
        else { return nil }
        let body = Array(line[1..<(line.count - 7)])
        guard
            let crc = UInt16(
                String(decoding: line[(line.count - 6)..<(line.count - 2)], as: UTF8.self), radix: 16),
            CRC16.ccittFalse(body) == crc
        else { return nil }
        let fields = String(decoding: body, as: UTF8.self).split(
            separator: ",", omittingEmptySubsequences: false
        )
        .map(String.init)
        guard fields.count >= 3, let seq = UInt16(fields[1]), let tick = UInt32(fields[2]) else { return nil }
        return WireSentence(
            type: fields[0], seq: seq, tick: tick, fields: Array(fields.dropFirst(3)),
            text: String(decoding: line.dropLast(2), as: UTF8.self))
    }
}
