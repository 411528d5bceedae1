// The test vectors of PCNT.md, with what each one says, and small tools shared by the PCNT tests.

import PCNT
import TestSupport
import Testing

/// One node sentence test vector: the line as written in the spec, and its meaning.
struct NodeVector: Sendable, CustomTestStringConvertible {
    var line: String
    var sentence: NodeSentence
    /// The bytes on the wire: the spec line plus `\r\n`.
    var wire: [UInt8] { Array(line.utf8) + [0x0D, 0x0A] }
    var testDescription: String { line }
}

/// One command test vector.
struct CommandVector: Sendable, CustomTestStringConvertible {
    var line: String
    var command: Command
    var wire: [UInt8] { Array(line.utf8) + [0x0D, 0x0A] }
    var testDescription: String { line }
}

enum SpecVectors {
    static let node: [NodeVector] = [
        NodeVector(
            line: "$HELLO,0,0,1,node-17,1.4.2,IR2*F1B1",
            sentence: NodeSentence(
                seq: 0, tick: 0, message: .hello(Hello(nodeID: "node-17", firmware: "1.4.2", kind: .ir2)))),
        NodeVector(
            line: "$B,17,123456,A,1*A802",
            sentence: NodeSentence(seq: 17, tick: 123456, message: .beam(.a, interrupted: true))),
        NodeVector(
            line: "$B,18,123690,B,1*4434",
            sentence: NodeSentence(seq: 18, tick: 123690, message: .beam(.b, interrupted: true))),
        NodeVector(
            line: "$B,19,123801,A,0*DE0B",
            sentence: NodeSentence(seq: 19, tick: 123801, message: .beam(.a, interrupted: false))),
        NodeVector(
            line: "$B,20,124002,B,0*EA44",
            sentence: NodeSentence(seq: 20, tick: 124002, message: .beam(.b, interrupted: false))),
        NodeVector(
            line: "$K,21,125000*DFA4",
            sentence: NodeSentence(seq: 21, tick: 125000, message: .keepalive)),
        NodeVector(
            line: "$S,22,130000,130,215,5012,0*4F62",
            sentence: NodeSentence(
                seq: 22, tick: 130000,
                message: .status(
                    NodeStatus(
                        uptimeSeconds: 130, temperatureDeciCelsius: 215, supplyMillivolts: 5012,
                        flags: [])))),
        NodeVector(
            line: "$HELLO,0,0,1,node-18,1.4.2,TOF2*AC42",
            sentence: NodeSentence(
                seq: 0, tick: 0, message: .hello(Hello(nodeID: "node-18", firmware: "1.4.2", kind: .tof2)))),
        NodeVector(
            line: "$D,5,2000,2450,812,2448,790*EA4D",
            sentence: NodeSentence(
                seq: 5, tick: 2000,
                message: .distances(aMillimetres: 2450, aStrength: 812, bMillimetres: 2448, bStrength: 790))),
        NodeVector(
            line: "$R,23,130500,7,OK,debounce_ms,20*5419",
            sentence: NodeSentence(
                seq: 23, tick: 130500,
                message: .response(Response(request: 7, ok: true, key: "debounce_ms", value: "20")))),
        NodeVector(
            line: "$R,24,130610,9,ERR,rate_hz,unknown-key*1A9E",
            sentence: NodeSentence(
                seq: 24, tick: 130610,
                message: .response(Response(request: 9, ok: false, key: "rate_hz", value: "unknown-key")))),
    ]

    static let commands: [CommandVector] = [
        CommandVector(line: "$Q,7,debounce_ms*AB9B", command: .query(request: 7, key: "debounce_ms")),
        CommandVector(
            line: "$P,8,debounce_ms,30*9565", command: .set(request: 8, key: "debounce_ms", value: "30")),
        CommandVector(line: "$W,9*F333", command: .write(request: 9)),
        CommandVector(line: "$H,10*9CCF", command: .hello(request: 10)),
        CommandVector(line: "$X,11*9749", command: .reboot(request: 11)),
    ]

    /// The further vectors of Hardware/PCNT.md (CRCs from a separate Python implementation).
    static let documentedNode: [NodeVector] = [
        NodeVector(
            line: "$S,3,40000,40,-125,3300,1D*2426",
            sentence: NodeSentence(
                seq: 3, tick: 40000,
                message: .status(
                    NodeStatus(
                        uptimeSeconds: 40, temperatureDeciCelsius: -125, supplyMillivolts: 3300,
                        flags: [.beamAStuck, .lowSupply, .watchdogReset, .emitterFault])))),
        NodeVector(
            line: "$K,65535,4294967295*CF0B",
            sentence: NodeSentence(seq: 65535, tick: 4_294_967_295, message: .keepalive)),
        NodeVector(line: "$K,0,0*249A", sentence: NodeSentence(seq: 0, tick: 0, message: .keepalive)),
        NodeVector(
            line: "$R,25,131000,12,OK,saved,1*D1C9",
            sentence: NodeSentence(
                seq: 25, tick: 131000,
                message: .response(Response(request: 12, ok: true, key: "saved", value: "1")))),
        NodeVector(
            line: "$R,26,131100,13,OK,hello,1*4FB1",
            sentence: NodeSentence(
                seq: 26, tick: 131100,
                message: .response(Response(request: 13, ok: true, key: "hello", value: "1")))),
        NodeVector(
            line: "$HELLO,27,131100,1,node-17,1.4.2,IR2*87F3",
            sentence: NodeSentence(
                seq: 27, tick: 131100,
                message: .hello(Hello(nodeID: "node-17", firmware: "1.4.2", kind: .ir2)))),
        NodeVector(
            line: "$R,28,131200,14,ERR,emit,out-of-range*FF95",
            sentence: NodeSentence(
                seq: 28, tick: 131200,
                message: .response(Response(request: 14, ok: false, key: "emit", value: "out-of-range")))),
    ]

    static let documentedCommands: [CommandVector] = [
        CommandVector(line: "$P,14,emit,4*CE17", command: .set(request: 14, key: "emit", value: "4"))
    ]

    static var nodeStream: [UInt8] { node.flatMap(\.wire) }
    static var nodeSentences: [NodeSentence] { node.map(\.sentence) }
    static var commandStream: [UInt8] { commands.flatMap(\.wire) }
}

/// Cuts `bytes` into chunks at random points (including empty chunks).
func randomChunks(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [ArraySlice<UInt8>] {
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
        let length = Int.random(in: 0...min(40, bytes.count - start), using: &generator)
        chunks.append(bytes[start..<(start + length)])
        start += length
    }
    return chunks
}

/// `body` framed with a correct CRC: for testing what happens after the CRC check.
func framed(_ body: String) -> [UInt8] {
    PCNTFormat.frame(Array(body.utf8))
}

/// Decodes `chunks` with a fresh decoder; returns the sentences and the decoder.
func decodeAll(_ chunks: [[UInt8]]) -> ([NodeSentence], PCNTDecoder) {
    var decoder = PCNTDecoder()
    var sentences: [NodeSentence] = []
    for chunk in chunks {
        decoder.decode(chunk) { sentences.append($0) }
    }
    return (sentences, decoder)
}

func decodeAll(_ bytes: [UInt8]) -> ([NodeSentence], PCNTDecoder) {
    decodeAll([bytes])
}

func decodeAllCommands(_ chunks: [[UInt8]]) -> ([Command], CommandDecoder) {
    var decoder = CommandDecoder()
    var commands: [Command] = []
    for chunk in chunks {
        decoder.decode(chunk) { commands.append($0) }
    }
    return (commands, decoder)
}

extension PCNTRejects {
    /// A rejects value with only the given counters set, for exact comparisons.
    static func only(
        badCRC: Int = 0, tooLong: Int = 0, malformed: Int = 0, unknownType: Int = 0, noiseBytes: Int = 0
    ) -> PCNTRejects {
        var rejects = PCNTRejects()
        rejects.badCRC = badCRC
        rejects.tooLong = tooLong
        rejects.malformed = malformed
        rejects.unknownType = unknownType
        rejects.noiseBytes = noiseBytes
        return rejects
    }
}
