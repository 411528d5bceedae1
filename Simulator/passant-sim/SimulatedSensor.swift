// The simulated hardware behind the links: an IR2 or TOF2 counter node on one link, or a pair of
// TFmini-family rangefinders on two. One interface for the run loop: bytes out per link, commands in.

import PCNT
import PassantSimulator
import TFmini

/// What `--kind` asks for, rendered and answering commands.
enum SimulatedSensor {
    case ir2(IR2NodeRenderer, CommandDecoder)
    case tof2(TOF2NodeRenderer, CommandDecoder)
    case tfminiPair(TFminiPairRenderer, [TFminiCommandDecoder])
    /// An LD06 2D LiDAR: it streams and takes no commands.
    case ld06(LD06Renderer)
    /// The real counter-node firmware in QEMU, its beams driven from the walkway.
    case firmware(FirmwareNode)

    /// How many links (ports) the hardware needs.
    var linkCount: Int {
        if case .tfminiPair = self { return 2 }
        return 1
    }

    /// The next bytes, the link they leave on, and when (simulation ms); nil at the end.
    mutating func next() throws -> (time: Int64, link: Int, bytes: [UInt8])? {
        switch self {
        case .ir2(var renderer, let decoder):
            let chunk = renderer.next()
            self = .ir2(renderer, decoder)
            return chunk.map { ($0.time, 0, $0.bytes) }
        case .tof2(var renderer, let decoder):
            let chunk = renderer.next()
            self = .tof2(renderer, decoder)
            return chunk.map { ($0.time, 0, $0.bytes) }
        case .tfminiPair(var renderer, let decoders):
            let chunk = renderer.next()
            self = .tfminiPair(renderer, decoders)
            return chunk.map { ($0.time, $0.channel == .a ? 0 : 1, $0.bytes) }
        case .ld06(var renderer):
            let chunk = renderer.next()
            self = .ld06(renderer)
            return chunk.map { ($0.time, 0, $0.bytes) }
        case .firmware(let node):
            return try node.next().map { ($0.time, 0, $0.bytes) }
        }
    }

    /// Bytes the gateway sent on `link` at simulation time `time`: commands for the firmware.
    mutating func input(_ bytes: [UInt8], link: Int, at time: Int64) {
        guard !bytes.isEmpty else { return }
        switch self {
        case .ir2(var renderer, var decoder):
            var commands: [Command] = []
            decoder.decode(bytes) { commands.append($0) }
            for command in commands { renderer.receive(command, at: time) }
            self = .ir2(renderer, decoder)
        case .tof2(var renderer, var decoder):
            var commands: [Command] = []
            decoder.decode(bytes) { commands.append($0) }
            for command in commands { renderer.receive(command, at: time) }
            self = .tof2(renderer, decoder)
        case .tfminiPair(var renderer, var decoders):
            renderer.command(bytes, on: link == 0 ? .a : .b, at: time, decoder: &decoders[link])
            self = .tfminiPair(renderer, decoders)
        case .ld06, .firmware:
            break
        }
    }

    mutating func takePedestrians() -> [Pedestrian] {
        switch self {
        case .ir2(var renderer, let decoder):
            defer { self = .ir2(renderer, decoder) }
            return renderer.takePedestrians()
        case .tof2(var renderer, let decoder):
            defer { self = .tof2(renderer, decoder) }
            return renderer.takePedestrians()
        case .tfminiPair(var renderer, let decoders):
            defer { self = .tfminiPair(renderer, decoders) }
            return renderer.takePedestrians()
        case .ld06(var renderer):
            defer { self = .ld06(renderer) }
            return renderer.takePedestrians()
        case .firmware(let node):
            return node.takePedestrians()
        }
    }

    /// One line for stderr, and the truth file's `node` object.
    func summary(discarded: Int) -> (text: String, json: JSONValue) {
        switch self {
        case .ir2(let renderer, _):
            let s = renderer.statistics
            return (
                "\(s.sentences) sentences (\(s.edges) B, \(s.keepalives) K, \(s.statuses) S, \(s.dropped) dropped), "
                    + "\(s.bytes) bytes, \(renderer.firmware.answered) commands answered, \(discarded) unread",
                .object([
                    ("sentences", .integer(Int64(s.sentences))), ("hello", .integer(Int64(s.hellos))),
                    ("b", .integer(Int64(s.edges))), ("s", .integer(Int64(s.statuses))),
                    ("k", .integer(Int64(s.keepalives))), ("dropped", .integer(Int64(s.dropped))),
                    ("corrupted", .integer(Int64(s.corrupted))),
                    ("garbage_bytes", .integer(Int64(s.garbageBytes))),
                    ("reboots", .integer(Int64(s.reboots))), ("bytes", .integer(Int64(s.bytes))),
                    ("commands", .integer(Int64(renderer.firmware.answered))),
                    ("unread_bytes", .integer(Int64(discarded))),
                ])
            )
        case .tof2(let renderer, _):
            let s = renderer.statistics
            return (
                "\(s.sentences) sentences (\(s.samples) D, \(s.statuses) S, \(s.dropped) dropped), \(s.bytes) bytes, "
                    + "\(s.responses) commands answered, \(discarded) unread",
                .object([
                    ("sentences", .integer(Int64(s.sentences))), ("d", .integer(Int64(s.samples))),
                    ("s", .integer(Int64(s.statuses))), ("dropped", .integer(Int64(s.dropped))),
                    ("corrupted", .integer(Int64(s.corrupted))),
                    ("garbage_bytes", .integer(Int64(s.garbageBytes))),
                    ("reboots", .integer(Int64(s.reboots))), ("bytes", .integer(Int64(s.bytes))),
                    ("commands", .integer(Int64(s.responses))), ("unread_bytes", .integer(Int64(discarded))),
                ])
            )
        case .tfminiPair(let renderer, _):
            let s = renderer.statistics
            return (
                "\(s.framesA) frames on A, \(s.framesB) on B, \(s.corrupted) corrupted, \(s.bytes) bytes, "
                    + "\(s.commands) commands answered, \(discarded) unread",
                .object([
                    ("frames_a", .integer(Int64(s.framesA))), ("frames_b", .integer(Int64(s.framesB))),
                    ("corrupted", .integer(Int64(s.corrupted))),
                    ("garbage_bytes", .integer(Int64(s.garbageBytes))),
                    ("bytes", .integer(Int64(s.bytes))), ("commands", .integer(Int64(s.commands))),
                    ("unread_bytes", .integer(Int64(discarded))),
                ])
            )
        case .ld06(let renderer):
            let s = renderer.statistics
            let cyclists = renderer.cyclistCrossings
            return (
                "\(s.packets) packets, \(s.turns) turns, \(s.bytes) bytes, \(cyclists.count) cyclists, \(discarded) unread",
                .object([
                    ("packets", .integer(Int64(s.packets))), ("turns", .integer(Int64(s.turns))),
                    ("corrupted", .integer(Int64(s.corrupted))), ("bytes", .integer(Int64(s.bytes))),
                    ("cyclists_a_to_b", .integer(Int64(cyclists.count { $0.direction == .aToB }))),
                    ("cyclists_b_to_a", .integer(Int64(cyclists.count { $0.direction == .bToA }))),
                    ("unread_bytes", .integer(Int64(discarded))),
                ])
            )
        case .firmware(let node):
            return (node.summary, node.statistics(discarded: discarded))
        }
    }
}
