import LD06
import Testing

/// The manual packet from LD06.md: speed 2152 °/s, start 324.27°, end 334.70°, timestamp 6714.
let specPacket: [UInt8] = [
    0x54, 0x2C, 0x68, 0x08, 0xAB, 0x7E, 0xE0, 0x00, 0xE4, 0xDC, 0x00, 0xE2, 0xD9, 0x00, 0xE5, 0xD5, 0x00,
    0xE3, 0xD3, 0x00, 0xE4, 0xD0, 0x00, 0xE9, 0xCD, 0x00, 0xE4, 0xCA, 0x00, 0xE2, 0xC7, 0x00, 0xE9, 0xC5,
    0x00, 0xE5, 0xC2, 0x00, 0xE5, 0xC0, 0x00, 0xE5, 0xBE, 0x82, 0x3A, 0x1A, 0x50,
]

/// A packet at 10 Hz (3600 °/s) starting at `start` centidegrees with the faithful span of 8.8°.
func packet(start: Int, timestamp: Int, distance: UInt16 = 1500) -> LD06Packet {
    LD06Packet(
        speed: 3600, startAngle: UInt16(start % 36000), endAngle: UInt16((start + 880) % 36000),
        timestamp: UInt16(timestamp % 30000),
        points: (0..<12).map { LD06Point(distance: distance + UInt16($0), intensity: 200) })
}

func decodeAll(_ chunks: [[UInt8]]) -> (packets: [LD06Packet], decoder: LD06Decoder) {
    var decoder = LD06Decoder()
    var packets: [LD06Packet] = []
    for chunk in chunks { decoder.decode(chunk) { packets.append($0) } }
    return (packets, decoder)
}

@Suite("LD06 decoder")
struct DecoderTests {
    @Test func theCRCTableMatchesTheSpecVector() {
        #expect(LD06CRC.checksum(specPacket[0..<46]) == 0x50)
        // The table's first entries as the vendor SDK lists them.
        #expect(Array(LD06CRC.table[0..<4]) == [0x00, 0x4D, 0x9A, 0xD7])
    }

    @Test func theSpecPacketDecodesToItsFields() throws {
        let (packets, decoder) = decodeAll([specPacket])
        let decoded = try #require(packets.first)
        #expect(packets.count == 1)
        #expect(decoded.speed == 2152)
        #expect(decoded.startAngle == 32427)
        #expect(decoded.endAngle == 33470)
        #expect(decoded.timestamp == 6714)
        #expect(decoded.points.first == LD06Point(distance: 224, intensity: 228))
        #expect(decoded.points.last == LD06Point(distance: 192, intensity: 229))
        #expect(decoder.rejects.total == 0 && decoder.rejects.noiseBytes == 0)
        #expect(decoded.encoded == specPacket)
    }

    @Test func anglesAreInterpolatedWithoutTruncationAndWrapAt360() {
        let spec = decodeAll([specPacket]).packets[0]
        #expect(abs(spec.angle(ofPoint: 0) - 324.27) < 1e-9)
        #expect(abs(spec.angle(ofPoint: 11) - 334.70) < 1e-9)
        // Step 1043/11 = 94.818…, not the SDK's 94.
        #expect(abs(spec.angle(ofPoint: 1) - (324.27 + 10.43 / 11)) < 1e-9)
        let across = packet(start: 35600, timestamp: 0)  // 356° … 4.8°
        #expect(across.span == 880)
        #expect(abs(across.angle(ofPoint: 0) - 356) < 1e-9)
        #expect(abs(across.angle(ofPoint: 11) - 4.8) < 1e-9)
        #expect((0..<12).allSatisfy { across.angle(ofPoint: $0) >= 0 && across.angle(ofPoint: $0) < 360 })
    }

    @Test func everySplitOfTheStreamGivesTheSamePackets() {
        let stream = (0..<20).flatMap { packet(start: $0 * 880, timestamp: $0 * 3).encoded }
        let whole = decodeAll([stream]).packets
        #expect(whole.count == 20)
        for size in [1, 2, 5, 46, 47, 48, 100] {
            let chunks = stride(from: 0, to: stream.count, by: size).map {
                Array(stream[$0..<min($0 + size, stream.count)])
            }
            #expect(decodeAll(chunks).packets == whole, "chunks of \(size)")
        }
    }

    @Test func aFalseHeaderInsideAPayloadDoesNotCostTheNextPacket() {
        // Distance 0x2C54 = 11348 mm is `54 2C` on the wire, inside a valid packet.
        let tricky = LD06Packet(
            speed: 3600, startAngle: 100, endAngle: 980, timestamp: 5,
            points: Array(repeating: LD06Point(distance: 0x2C54, intensity: 0x54), count: 12))
        // Noise ending in a header's first bytes right before a real packet, and a cut-off packet.
        let cut = Array(packet(start: 2000, timestamp: 8).encoded.prefix(30))
        let stream = [0x54, 0x2C, 0x00] + cut + tricky.encoded + packet(start: 3000, timestamp: 11).encoded
        let (packets, decoder) = decodeAll([stream])
        #expect(packets.map(\.startAngle) == [100, 3000])
        #expect(decoder.rejects.badCRC >= 1)
        #expect(decoder.packetsAccepted == 2)
    }

    @Test func aDamagedPacketIsCountedAndTheStreamRecovers() {
        var damaged = packet(start: 880, timestamp: 3).encoded
        damaged[20] ^= 0x01
        let stream =
            packet(start: 0, timestamp: 0).encoded + damaged + packet(start: 1760, timestamp: 6).encoded
        let (packets, decoder) = decodeAll([stream])
        #expect(packets.map(\.startAngle) == [0, 1760])
        #expect(decoder.rejects.badCRC == 1)
        #expect(decoder.rejects.noiseBytes == 47)
    }

    @Test func implausibleAndOutOfRangePacketsAreRejectedByReason() {
        // A span of 30° at 10 Hz (8.8° is faithful, 22° the most accepted), and a start angle of 360.00°.
        let wide = LD06Packet(
            speed: 3600, startAngle: 0, endAngle: 3000, timestamp: 0,
            points: Array(repeating: LD06Point(distance: 1000, intensity: 1), count: 12))
        let outOfRange = LD06Packet(
            speed: 3600, startAngle: 36000, endAngle: 880, timestamp: 0,
            points: Array(repeating: LD06Point(distance: 1000, intensity: 1), count: 12))
        let (packets, decoder) = decodeAll([wide.encoded + outOfRange.encoded])
        #expect(packets.isEmpty)
        #expect(decoder.rejects.implausibleSpan == 1)
        #expect(decoder.rejects.badAngle == 1)
        #expect(decoder.rejects.byReason["implausible_span"] == 1)
    }

    @Test func garbageNeverCrashesAndIsCountedAsNoise() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var garbage: [UInt8] = []
        for _ in 0..<100_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Plenty of headers among the noise.
            garbage.append(
                state >> 60 == 0 ? 0x54 : (state >> 59 == 2 ? 0x2C : UInt8(truncatingIfNeeded: state >> 33)))
        }
        let good = packet(start: 0, timestamp: 0).encoded
        let (packets, decoder) = decodeAll([garbage + good])
        #expect(packets.last?.startAngle == 0)
        #expect(decoder.rejects.noiseBytes + packets.count * 47 >= garbage.count)
    }
}
