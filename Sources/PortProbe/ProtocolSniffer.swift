// Which protocol a port speaks, from its bytes alone: every decoder this gateway knows reads the same
// bytes side by side, and the one that accepts most of them wins. Pure: the CLI reads the port and
// sends the queries; this only counts.

import PCNT
import TFmini

/// The wire protocols `passant probe` recognises.
public enum SniffedProtocol: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pcnt
    case tfmini
    case ld06

    public var description: String {
        switch self {
        case .pcnt: "PCNT counter node"
        case .tfmini: "TFmini-family rangefinder"
        case .ld06: "LD06/LD19 2D LiDAR"
        }
    }
}

/// Reads bytes with every known decoder at once and says which protocol they are.
public struct ProtocolSniffer: Sendable {
    private var pcnt = PCNTDecoder()
    private var tfmini = TFminiDecoder()
    private var ld06 = LD06PacketDetector()
    private var pcntBytes = 0
    private var tfminiReplyBytes = 0

    /// Bytes seen.
    public private(set) var bytes = 0
    /// The node's `HELLO`, if one went by.
    public private(set) var hello: Hello?
    /// A TFmini's version reply, if one went by.
    public private(set) var tfminiVersion: TFminiVersion?
    /// Replies a TFmini sent (to anyone's commands).
    public private(set) var tfminiReplies: [TFminiReply] = []

    public init() {}

    public mutating func feed<S: Sequence<UInt8>>(_ chunk: S) {
        var hello: Hello?
        var accepted = 0
        var version: TFminiVersion?
        var replies: [TFminiReply] = []
        for byte in chunk {
            bytes += 1
            pcnt.decode(CollectionOfOne(byte)) { sentence in
                accepted += sentence.encoded.count
                if case .hello(let h) = sentence.message { hello = h }
            }
            tfmini.decode(CollectionOfOne(byte)) { output in
                if case .reply(let reply) = output {
                    replies.append(reply)
                    if case .version(let v) = reply { version = v }
                }
            }
            ld06.feed(byte)
        }
        pcntBytes += accepted
        tfminiReplyBytes += replies.reduce(0) { $0 + $1.encoded.count }
        if let hello { self.hello = hello }
        if let version { tfminiVersion = version }
        tfminiReplies += replies
    }

    /// Frames each protocol accepted.
    public func frames(_ proto: SniffedProtocol) -> Int {
        switch proto {
        case .pcnt: pcnt.sentencesAccepted
        case .tfmini: tfmini.framesAccepted + tfmini.repliesAccepted
        case .ld06: ld06.packets
        }
    }

    /// Bytes each protocol accepted as parts of good frames.
    public func acceptedBytes(_ proto: SniffedProtocol) -> Int {
        switch proto {
        case .pcnt: pcntBytes
        case .tfmini: tfmini.framesAccepted * TFminiWire.frameLength + tfminiReplyBytes
        case .ld06: ld06.packets * LD06PacketDetector.packetLength
        }
    }

    /// The protocol that explains most of the bytes, if any explains a fair share: enough good frames
    /// that chance is ruled out, and at least a quarter of the bytes (the rest being noise or a
    /// mismatched baud rate).
    public var detected: SniffedProtocol? {
        let best = SniffedProtocol.allCases.max { acceptedBytes($0) < acceptedBytes($1) }
        guard let best, frames(best) >= Self.framesNeeded(best), acceptedBytes(best) * 4 >= bytes else {
            return nil
        }
        return best
    }

    /// Good frames that make a verdict: one PCNT sentence (its 16-bit CRC, its framing and grammar all
    /// held: an idle node sends one a second), two LD06 packets (8-bit CRC over 47 bytes behind a
    /// 2-byte header), three TFmini frames (an 8-bit sum only).
    static func framesNeeded(_ proto: SniffedProtocol) -> Int {
        switch proto {
        case .pcnt: 1
        case .ld06: 2
        case .tfmini: 3
        }
    }

    /// Bytes the detected protocol could not use (noise, broken frames), or all bytes when none was.
    public var rejectedBytes: Int { bytes - (detected.map(acceptedBytes) ?? 0) }

    /// PCNT's reject counts, for a detailed report.
    public var pcntRejects: PCNTRejects { pcnt.rejects }
    /// TFmini's reject counts.
    public var tfminiRejects: TFminiRejects { tfmini.rejects }
}

/// Finds LD06/LD19 packets: `54 2C`, 47 bytes, CRC-8 (poly 0x4D) over the first 46. Detection only:
/// it counts good packets and rescans from the byte after a rejected header, as a robust parser must.
public struct LD06PacketDetector: Sendable {
    public static let packetLength = 47
    static let crcTable: [UInt8] = (0...255).map { index in
        var crc = UInt8(index)
        for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x4D : crc << 1 }
        return crc
    }

    private var window: [UInt8] = []
    public private(set) var packets = 0
    public private(set) var badCRC = 0

    public init() {}

    public mutating func feed(_ byte: UInt8) {
        window.append(byte)
        while !window.isEmpty {
            if window[0] != 0x54 {
                window.removeFirst()
                continue
            }
            if window.count >= 2 && window[1] != 0x2C {
                window.removeFirst()
                continue
            }
            guard window.count >= Self.packetLength else { return }
            var crc: UInt8 = 0
            for byte in window[0..<(Self.packetLength - 1)] { crc = Self.crcTable[Int(crc ^ byte)] }
            if crc == window[Self.packetLength - 1] {
                packets += 1
                window.removeFirst(Self.packetLength)
            } else {
                badCRC += 1
                window.removeFirst()
            }
        }
    }

    /// CRC-8/0x4D of `bytes`, for building test packets.
    public static func crc(_ bytes: [UInt8]) -> UInt8 {
        bytes.reduce(0) { crcTable[Int($0 ^ $1)] }
    }
}
