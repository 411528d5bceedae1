// The byte vectors of TFMINI.md (checksums recomputed independently there), both ways.

import TFmini
import Testing

@Suite struct WireVectorTests {
    static let exampleFrame: [UInt8] = [0x59, 0x59, 0xC8, 0x00, 0xE8, 0x03, 0x40, 0x09, 0xAE]

    @Test func theExampleFrameDecodesTo200CentimetresStrength1000At40Degrees() {
        let outputs = decodeAll(Self.exampleFrame)
        #expect(outputs == [.frame(TFminiFrame(distance: 200, strength: 1000, temperatureRaw: 0x0940))])
        if case .frame(let frame) = outputs.first {
            #expect(frame.celsius == 40)
            #expect(TFminiModel.tfminiS.reading(of: frame) == .distance(millimetres: 2000))
            #expect(TFminiModel.tfminiS.reading(of: frame, unit: .millimetres) == .distance(millimetres: 200))
        }
    }

    @Test func theExampleFrameEncodesByteForByte() {
        #expect(TFminiFrame(distance: 200, strength: 1000, celsius: 40).encoded == Self.exampleFrame)
    }

    @Test(arguments: [
        (TFminiCommand.version, [0x5A, 0x04, 0x01, 0x5F] as [UInt8]),
        (.softReset, [0x5A, 0x04, 0x02, 0x60]),
        (.frameRate(100), [0x5A, 0x06, 0x03, 0x64, 0x00, 0xC7]),
        (.triggerFrame, [0x5A, 0x04, 0x04, 0x62]),
        (.outputFormat(.centimetres), [0x5A, 0x05, 0x05, 0x01, 0x65]),
        (.outputFormat(.millimetres), [0x5A, 0x05, 0x05, 0x06, 0x6A]),
        (.baudRate(115_200), [0x5A, 0x08, 0x06, 0x00, 0xC2, 0x01, 0x00, 0x2B]),
        (.output(enabled: false), [0x5A, 0x05, 0x07, 0x00, 0x66]),
        (.output(enabled: true), [0x5A, 0x05, 0x07, 0x01, 0x67]),
        (.factoryReset, [0x5A, 0x04, 0x10, 0x6E]),
        (.saveSettings, [0x5A, 0x04, 0x11, 0x6F]),
    ])
    func commandsEncodeAsTheManualPrintsThemAndDecodeBack(command: TFminiCommand, bytes: [UInt8]) {
        #expect(command.encoded == bytes)
        var decoder = TFminiCommandDecoder()
        var commands: [TFminiCommand] = []
        decoder.decode(bytes) { commands.append($0) }
        #expect(commands == [command])
        #expect(decoder.rejects == TFminiRejects())
    }

    @Test(arguments: [
        (TFminiReply.softReset(succeeded: true), [0x5A, 0x05, 0x02, 0x00, 0x61] as [UInt8]),
        (.softReset(succeeded: false), [0x5A, 0x05, 0x02, 0x01, 0x62]),
        (.factoryReset(succeeded: true), [0x5A, 0x05, 0x10, 0x00, 0x6F]),
        (.saveSettings(succeeded: true), [0x5A, 0x05, 0x11, 0x00, 0x70]),
        (.saveSettings(succeeded: false), [0x5A, 0x05, 0x11, 0x01, 0x71]),
        (.frameRate(100), [0x5A, 0x06, 0x03, 0x64, 0x00, 0xC7]),
        (.outputFormat(.millimetres), [0x5A, 0x05, 0x05, 0x06, 0x6A]),
        (.baudRate(115_200), [0x5A, 0x08, 0x06, 0x00, 0xC2, 0x01, 0x00, 0x2B]),
        (.output(enabled: false), [0x5A, 0x05, 0x07, 0x00, 0x66]),
    ])
    func repliesEncodeAndDecodeAsTheManualSays(reply: TFminiReply, bytes: [UInt8]) {
        #expect(reply.encoded == bytes)
        #expect(decodeAll(bytes) == [.reply(reply)])
    }

    @Test func theVersionReplyCarriesPatchMinorMajor() {
        // 5A 07 01 V1 V2 V3 SU, version V3.V2.V1.
        let bytes: [UInt8] = [0x5A, 0x07, 0x01, 0x05, 0x00, 0x02, 0x69]
        #expect(decodeAll(bytes) == [.reply(.version(TFminiVersion(major: 2, minor: 0, patch: 5)))])
        #expect(TFminiReply.version(TFminiVersion(major: 2, minor: 0, patch: 5)).encoded == bytes)
    }

    @Test func echoesAnswerTheCommandTheyEcho() {
        #expect(TFminiReply(echoing: .frameRate(250)) == .frameRate(250))
        #expect(TFminiReply.frameRate(250).answers(.frameRate(100)))
        #expect(!TFminiReply.saveSettings(succeeded: true).answers(.version))
        #expect(TFminiReply(echoing: .version) == nil)
    }
}

func decodeAll<S: Sequence<UInt8>>(_ bytes: S) -> [TFminiOutput] {
    var decoder = TFminiDecoder()
    var outputs: [TFminiOutput] = []
    decoder.decode(bytes) { outputs.append($0) }
    return outputs
}
