// Streams as a serial line delivers them: split anywhere, with noise, lost and damaged bytes.

import TFmini
import TestSupport
import Testing

@Suite struct StreamTests {
    /// A short stream: frames with awkward values (headers inside payloads), and replies between them.
    static let stream: [TFminiOutput] = [
        .frame(TFminiFrame(distance: 0x5959, strength: 0x5959, temperatureRaw: 0x5A5A)),
        .frame(TFminiFrame(distance: 0xFFFF, strength: 12, temperatureRaw: 2300)),
        .reply(.version(TFminiVersion(major: 2, minor: 1, patch: 7))),
        .frame(TFminiFrame(distance: 0x5A04, strength: 0x0459, temperatureRaw: 0x5959)),
        .reply(.output(enabled: true)),
        .frame(TFminiFrame(distance: 1, strength: 65535, temperatureRaw: 0)),
    ]

    static func bytes(_ outputs: [TFminiOutput]) -> [UInt8] {
        outputs.flatMap { output -> [UInt8] in
            switch output {
            case .frame(let frame): frame.encoded
            case .reply(let reply): reply.encoded
            }
        }
    }

    @Test func everySplitIntoTwoChunksGivesTheSameOutput() {
        let bytes = Self.bytes(Self.stream)
        for cut in 0...bytes.count {
            var decoder = TFminiDecoder()
            var outputs: [TFminiOutput] = []
            decoder.decode(bytes[..<cut]) { outputs.append($0) }
            decoder.decode(bytes[cut...]) { outputs.append($0) }
            #expect(outputs == Self.stream, "cut at \(cut)")
            #expect(decoder.rejects == TFminiRejects(), "cut at \(cut)")
        }
    }

    @Test func byteByByteGivesTheSameOutput() {
        var decoder = TFminiDecoder()
        var outputs: [TFminiOutput] = []
        for byte in Self.bytes(Self.stream) { decoder.decode([byte]) { outputs.append($0) } }
        #expect(outputs == Self.stream)
        #expect(decoder.framesAccepted == 4)
        #expect(decoder.repliesAccepted == 2)
    }

    @Test func aFrameThatLostItsFirstByteCostsOnlyThatFrame() {
        var bytes = Self.bytes(Array(repeating: Self.stream[1], count: 3))
        bytes.remove(at: 9)  // the second frame's first header byte
        let outputs = decodeAll(bytes)
        #expect(outputs == [Self.stream[1], Self.stream[1]])
    }

    @Test func aFrameCutShortDoesNotHideTheNextOne() {
        // The first frame loses its last 3 bytes; the next header lies inside the 9-byte window.
        let good = TFminiFrame(distance: 250, strength: 800, celsius: 30)
        let bytes = Array(good.encoded.prefix(6)) + good.encoded + good.encoded
        var decoder = TFminiDecoder()
        var frames = 0
        decoder.decode(bytes) { _ in frames += 1 }
        #expect(frames == 2)
        #expect(decoder.rejects.badFrameChecksum >= 1)
    }

    @Test func aDamagedFrameIsCountedAndTheStreamGoesOn() {
        let good = TFminiFrame(distance: 250, strength: 800, celsius: 30)
        var damaged = good.encoded
        damaged[4] ^= 0x10
        var decoder = TFminiDecoder()
        var frames: [TFminiFrame] = []
        decoder.decode(good.encoded + damaged + good.encoded) {
            if case .frame(let frame) = $0 { frames.append(frame) }
        }
        #expect(frames == [good, good])
        #expect(decoder.rejects.badFrameChecksum == 1)
        #expect(decoder.rejects.noiseBytes == 8)
    }

    @Test func garbageIsCountedByteForByteAndNeverCostsAFrame() {
        var generator = SeededGenerator(seed: 42)
        let frames = (0..<200).map { i in
            TFminiOutput.frame(TFminiFrame(distance: UInt16(i * 7), strength: 300, celsius: 20))
        }
        var bytes: [UInt8] = []
        var garbage = 0
        for frame in frames {
            // Noise that never looks like a header, so every noise byte is exactly one noise byte.
            let count = Int(generator.next() % 6)
            for _ in 0..<count {
                var byte = UInt8(truncatingIfNeeded: generator.next())
                if byte == 0x59 || byte == 0x5A { byte = 0x00 }
                bytes.append(byte)
            }
            garbage += count
            bytes += Self.bytes([frame])
        }
        var decoder = TFminiDecoder()
        var outputs: [TFminiOutput] = []
        decoder.decode(bytes) { outputs.append($0) }
        #expect(outputs == frames)
        #expect(decoder.rejects.noiseBytes == garbage)
        #expect(decoder.rejects.total == 0)
    }

    @Test func randomBytesNeverCrashAndEveryByteIsAccountedFor() {
        var generator = SeededGenerator(seed: 7)
        var decoder = TFminiDecoder()
        var outputs = 0
        var fed = 0
        for _ in 0..<2000 {
            let chunk = (0..<Int(generator.next() % 40)).map { _ -> UInt8 in
                // Headers more often than chance, to exercise the candidate paths.
                switch generator.next() % 8 {
                case 0: 0x59
                case 1: 0x5A
                default: UInt8(truncatingIfNeeded: generator.next())
                }
            }
            fed += chunk.count
            decoder.decode(chunk) { _ in outputs += 1 }
        }
        // Noise is skipped one byte at a time; accepted frames and replies take their own length.
        #expect(
            decoder.rejects.noiseBytes + decoder.rejects.badFrameChecksum + decoder.rejects.badMessageChecksum
                <= fed)
        #expect(decoder.rejects.noiseBytes > fed / 2)
    }

    @Test func aReplyWithAGoodSumButAnUnknownIdIsCountedNotDelivered() {
        let unknown = TFminiMessage(id: 0x3F, payload: [1, 2]).encoded
        var decoder = TFminiDecoder()
        var outputs: [TFminiOutput] = []
        decoder.decode(unknown + Self.bytes([Self.stream[1]])) { outputs.append($0) }
        #expect(outputs == [Self.stream[1]])
        #expect(decoder.rejects.unknownMessages == 1)
    }

    @Test func theCommandDecoderIgnoresDataFramesAsNoise() {
        var decoder = TFminiCommandDecoder()
        var commands: [TFminiCommand] = []
        let frame = TFminiFrame(distance: 100, strength: 500, celsius: 25).encoded
        decoder.decode(frame + TFminiCommand.saveSettings.encoded) { commands.append($0) }
        #expect(commands == [.saveSettings])
        #expect(decoder.rejects.noiseBytes == frame.count)
    }
}
