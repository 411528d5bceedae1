import PCNT
import PortProbe
import TFmini
import Testing

@Suite struct ProtocolSnifferTests {
    static let ld06Vector: [UInt8] = [
        0x54, 0x2C, 0x68, 0x08, 0xAB, 0x7E, 0xE0, 0x00, 0xE4, 0xDC, 0x00, 0xE2, 0xD9, 0x00, 0xE5, 0xD5, 0x00,
        0xE3,
        0xD3, 0x00, 0xE4, 0xD0, 0x00, 0xE9, 0xCD, 0x00, 0xE4, 0xCA, 0x00, 0xE2, 0xC7, 0x00, 0xE9, 0xC5, 0x00,
        0xE5,
        0xC2, 0x00, 0xE5, 0xC0, 0x00, 0xE5, 0xBE, 0x82, 0x3A, 0x1A, 0x50,
    ]

    /// Deterministic noise that never contains a header byte of any protocol.
    static func noise(_ count: Int, seed: Int = 1) -> [UInt8] {
        (0..<count).map { i in
            let byte = UInt8(truncatingIfNeeded: (i &* 73 &+ seed &* 29) ^ 0xA5)
            return [0x24, 0x54, 0x59, 0x5A].contains(byte) ? 0x00 : byte
        }
    }

    @Test func theLD06ManualPacketHasAGoodCRC() {
        #expect(LD06PacketDetector.crc(Array(Self.ld06Vector.prefix(46))) == 0x50)
        var detector = LD06PacketDetector()
        for byte in Self.noise(10) + Self.ld06Vector + Self.ld06Vector { detector.feed(byte) }
        #expect(detector.packets == 2)
    }

    @Test func aPCNTNodeIsRecognisedWithItsHello() {
        var sniffer = ProtocolSniffer()
        var bytes = NodeSentence(
            seq: 0, tick: 0, message: .hello(Hello(nodeID: "node-18", firmware: "1.4.2", kind: .tof2))
        ).encoded
        for k in 1...50 {
            bytes +=
                NodeSentence(
                    seq: UInt16(k), tick: UInt32(k * 20),
                    message: .distances(
                        aMillimetres: 2450, aStrength: 812, bMillimetres: 2448, bStrength: 790)
                ).encoded
        }
        sniffer.feed(Self.noise(30) + bytes)
        #expect(sniffer.detected == .pcnt)
        #expect(sniffer.frames(.pcnt) == 51)
        #expect(sniffer.rejectedBytes == 30)
        #expect(sniffer.hello?.nodeID == "node-18")
        #expect(sniffer.hello?.kind == .tof2)
    }

    @Test func aTFminiIsRecognisedAndItsVersionReplyRead() {
        var sniffer = ProtocolSniffer()
        var bytes: [UInt8] = []
        for k in 0..<100 {
            bytes += TFminiFrame(distance: UInt16(300 - k % 7), strength: 900, celsius: 35).encoded
        }
        bytes.insert(
            contentsOf: TFminiReply.version(TFminiVersion(major: 2, minor: 1, patch: 4)).encoded, at: 9 * 40)
        sniffer.feed(bytes)
        #expect(sniffer.detected == .tfmini)
        #expect(sniffer.tfminiVersion == TFminiVersion(major: 2, minor: 1, patch: 4))
        #expect(sniffer.rejectedBytes == 0)
    }

    @Test func anLD06IsRecognisedAt230400() {
        var sniffer = ProtocolSniffer()
        for _ in 0..<20 { sniffer.feed(Self.ld06Vector) }
        #expect(sniffer.detected == .ld06)
        #expect(sniffer.frames(.ld06) == 20)
    }

    @Test func noiseOrAWrongBaudRateIsNothing() {
        var sniffer = ProtocolSniffer()
        sniffer.feed(Self.noise(4000, seed: 3))
        #expect(sniffer.detected == nil)
        #expect(sniffer.rejectedBytes == 4000)
        // A few good frames lost in a sea of noise are not a verdict either.
        var mostlyNoise = ProtocolSniffer()
        mostlyNoise.feed(
            Self.noise(2000)
                + (0..<4).flatMap { _ in TFminiFrame(distance: 100, strength: 500, celsius: 30).encoded })
        #expect(mostlyNoise.detected == nil)
    }
}
