// How CommandDecoder, the node's side, reads gateway commands.

import PCNT
import Testing
import TestSupport

@Suite("CommandDecoder")
struct CommandDecoderTests {
    @Test(
        "each spec command vector decodes to what the spec says",
        arguments: SpecVectors.commands + SpecVectors.documentedCommands)
    func vectorWhole(_ vector: CommandVector) {
        let (commands, decoder) = decodeAllCommands([vector.wire])
        #expect(commands == [vector.command])
        #expect(decoder.commandsAccepted == 1)
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test("the spec commands decode byte by byte")
    func byteByByte() {
        let (commands, decoder) = decodeAllCommands(SpecVectors.commandStream.map { [$0] })
        #expect(commands == SpecVectors.commands.map(\.command))
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test("the spec commands decode the same in any split (200 seeded splits)")
    func randomSplits() {
        for seed in UInt64(0)..<200 {
            var generator = SeededGenerator(seed: seed)
            let chunks = randomChunks(SpecVectors.commandStream, using: &generator).map(Array.init)
            let (commands, decoder) = decodeAllCommands(chunks)
            #expect(commands == SpecVectors.commands.map(\.command), "seed \(seed)")
            #expect(decoder.rejects == PCNTRejects(), "seed \(seed)")
        }
    }

    @Test("a node sentence on the command line (an echo) is unknownType")
    func nodeSentenceIsUnknown() {
        let (commands, decoder) = decodeAllCommands([SpecVectors.node[1].wire + SpecVectors.commands[0].wire])
        #expect(commands == [SpecVectors.commands[0].command])
        #expect(decoder.rejects == .only(unknownType: 1))
    }

    @Test(
        "a command outside the grammar is malformed",
        arguments: [
            "Q,7",  // missing key
            "Q,7,",  // empty key
            "Q,7,a,b",  // extra field
            "P,8,debounce_ms",  // missing value
            "P,8,debounce_ms,",  // empty value
            "W,65536",  // req > u16
            "W,",  // empty req
            "W",  // missing req
            "H,10,1",  // extra field
            "X,011",  // leading zero
        ])
    func malformed(_ body: String) {
        let (commands, decoder) = decodeAllCommands([framed(body)])
        #expect(commands.isEmpty)
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("an unknown parameter key is passed on: the node answers it with ERR")
    func unknownKeyPassesThrough() {
        let (commands, decoder) = decodeAllCommands([framed("P,3,colour,blue")])
        #expect(commands == [.set(request: 3, key: "colour", value: "blue")])
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test("a bad CRC, noise and a cut command are counted like on the gateway side")
    func faults() {
        let stream =
            Array("xx$W,9*F334\r\n$Q,7,deb".utf8) + SpecVectors.commands[3].wire
        let (commands, decoder) = decodeAllCommands([stream])
        #expect(commands == [.hello(request: 10)])
        #expect(decoder.rejects == .only(badCRC: 1, malformed: 1, noiseBytes: 2))
    }
}
