// Encoder → decoder round trips over seeded random messages of every type.

import PCNT
import Testing
import TestSupport

/// Random values within the PCNT grammar.
struct MessageGenerator {
    var random: SeededGenerator

    mutating func int<T: FixedWidthInteger>(_ type: T.Type) -> T {
        T.random(in: .min ... .max, using: &random)
    }

    /// Text of 1...`maximum` bytes from `alphabet`.
    mutating func text(_ alphabet: [UInt8], maximum: Int) -> String {
        let count = Int.random(in: 1...maximum, using: &random)
        return String(
            decoding: (0..<count).map { _ in alphabet.randomElement(using: &random)! }, as: UTF8.self)
    }

    /// Printable ASCII without the framing bytes `$`, `*` and `,`.
    static let freeText: [UInt8] = (0x20...0x7E).filter { $0 != 0x24 && $0 != 0x2A && $0 != 0x2C }
    static let nodeIDText: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-".utf8)
    static let keyText: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz_".utf8)

    mutating func nodeSentence() -> NodeSentence {
        let message: NodeMessage
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            message = .hello(
                Hello(
                    protocolVersion: Int(int(UInt16.self)), nodeID: text(Self.nodeIDText, maximum: 32),
                    firmware: text(Self.freeText, maximum: 24),
                    kind: Bool.random(using: &random) ? .ir2 : .tof2))
        case 1:
            message = .beam(Bool.random(using: &random) ? .a : .b, interrupted: Bool.random(using: &random))
        case 2:
            message = .distances(
                aMillimetres: int(UInt32.self), aStrength: int(UInt16.self), bMillimetres: int(UInt32.self),
                bStrength: int(UInt16.self))
        case 3:
            message = .status(
                NodeStatus(
                    uptimeSeconds: int(UInt32.self), temperatureDeciCelsius: int(Int32.self),
                    supplyMillivolts: int(UInt32.self), flags: NodeStatus.Flags(rawValue: int(UInt16.self))))
        case 4:
            message = .keepalive
        default:
            message = .response(
                Response(
                    request: int(UInt16.self), ok: Bool.random(using: &random),
                    key: text(Self.keyText, maximum: 16),
                    value: text(Self.freeText, maximum: 24)))
        }
        // Small numbers too, so 0 and single digits are exercised, not only huge ones.
        let small = Bool.random(using: &random)
        return NodeSentence(
            seq: small ? UInt16.random(in: 0...9, using: &random) : int(UInt16.self),
            tick: small ? UInt32.random(in: 0...9, using: &random) : int(UInt32.self), message: message)
    }

    mutating func command() -> Command {
        let request = int(UInt16.self)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return .query(request: request, key: text(Self.keyText, maximum: 16))
        case 1:
            return .set(
                request: request, key: text(Self.keyText, maximum: 16),
                value: text(Self.freeText, maximum: 32))
        case 2: return .write(request: request)
        case 3: return .hello(request: request)
        default: return .reboot(request: request)
        }
    }
}

@Suite("Encoder → decoder round trips")
struct RoundTripTests {
    @Test("2000 random node sentences of every type survive encode, random splits and decode (10 seeds)")
    func nodeSentences() {
        for seed in UInt64(0)..<10 {
            var generator = MessageGenerator(random: SeededGenerator(seed: seed))
            let sentences = (0..<200).map { _ in generator.nodeSentence() }
            let stream = sentences.flatMap(\.encoded)
            let chunks = randomChunks(stream, using: &generator.random).map(Array.init)
            let (decoded, decoder) = decodeAll(chunks)
            #expect(decoded == sentences, "seed \(seed)")
            #expect(decoder.rejects == PCNTRejects(), "seed \(seed)")
        }
    }

    @Test("every node message type is covered by the generator")
    func generatorCoversAllTypes() {
        var generator = MessageGenerator(random: SeededGenerator(seed: 0))
        var seen = Set<String>()
        for _ in 0..<200 {
            switch generator.nodeSentence().message {
            case .hello: seen.insert("HELLO")
            case .beam: seen.insert("B")
            case .distances: seen.insert("D")
            case .status: seen.insert("S")
            case .keepalive: seen.insert("K")
            case .response: seen.insert("R")
            }
        }
        #expect(seen == ["HELLO", "B", "D", "S", "K", "R"])
    }

    @Test("1000 random commands of every type survive encode, random splits and decode (5 seeds)")
    func commands() {
        for seed in UInt64(0)..<5 {
            var generator = MessageGenerator(random: SeededGenerator(seed: seed))
            let commands = (0..<200).map { _ in generator.command() }
            let stream = commands.flatMap(\.encoded)
            let chunks = randomChunks(stream, using: &generator.random).map(Array.init)
            let (decoded, decoder) = decodeAllCommands(chunks)
            #expect(decoded == commands, "seed \(seed)")
            #expect(decoder.rejects == PCNTRejects(), "seed \(seed)")
        }
    }

    @Test("any single corrupted byte in a sentence is never delivered as a different sentence")
    func singleByteCorruption() {
        var generator = MessageGenerator(random: SeededGenerator(seed: 7))
        for _ in 0..<300 {
            let sentence = generator.nodeSentence()
            var wire = sentence.encoded
            let at = Int.random(in: 0..<wire.count, using: &generator.random)
            var replacement = UInt8.random(in: 0...255, using: &generator.random)
            if replacement == wire[at] { replacement ^= 0x01 }
            wire[at] = replacement
            let (decoded, _) = decodeAll(wire)
            // CRC-16 detects every single-byte error in a body; a damaged line end may lose the sentence.
            #expect(decoded.allSatisfy { $0 == sentence }, "\(String(decoding: wire, as: UTF8.self))")
        }
    }
}
