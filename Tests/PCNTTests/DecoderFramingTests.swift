// How PCNTDecoder finds sentences in a byte stream: splits, noise, CRC, length, resync.

import PCNT
import Testing
import TestSupport

@Suite("PCNTDecoder: spec vectors")
struct DecoderSpecVectorTests {
    @Test(
        "each spec vector, fed whole, decodes to what the spec says",
        arguments: SpecVectors.node + SpecVectors.documentedNode)
    func vectorWhole(_ vector: NodeVector) {
        let (sentences, decoder) = decodeAll(vector.wire)
        #expect(sentences == [vector.sentence])
        #expect(decoder.sentencesAccepted == 1)
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test(
        "each spec vector, fed byte by byte, decodes the same",
        arguments: SpecVectors.node + SpecVectors.documentedNode)
    func vectorByteByByte(_ vector: NodeVector) {
        let (sentences, decoder) = decodeAll(vector.wire.map { [$0] })
        #expect(sentences == [vector.sentence])
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test(
        "each accepted spec vector re-encodes to the same bytes",
        arguments: SpecVectors.node + SpecVectors.documentedNode)
    func vectorReencodes(_ vector: NodeVector) {
        let (sentences, _) = decodeAll(vector.wire)
        #expect(sentences.map(\.encoded) == [vector.wire])
    }

    @Test("the whole spec stream decodes in order")
    func wholeStream() {
        let (sentences, decoder) = decodeAll(SpecVectors.nodeStream)
        #expect(sentences == SpecVectors.nodeSentences)
        #expect(decoder.sentencesAccepted == SpecVectors.node.count)
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test("the spec stream decodes the same in any split (500 seeded splits)")
    func randomSplits() {
        let stream = SpecVectors.nodeStream
        for seed in UInt64(0)..<500 {
            var generator = SeededGenerator(seed: seed)
            let chunks = randomChunks(stream, using: &generator)
            var decoder = PCNTDecoder()
            var sentences: [NodeSentence] = []
            for chunk in chunks { decoder.decode(chunk) { sentences.append($0) } }
            #expect(sentences == SpecVectors.nodeSentences, "seed \(seed)")
            #expect(decoder.rejects == PCNTRejects(), "seed \(seed)")
        }
    }

    @Test("a sequence that is not contiguous storage decodes the same")
    func nonContiguousSequence() {
        var decoder = PCNTDecoder()
        var sentences: [NodeSentence] = []
        decoder.decode(SpecVectors.nodeStream.lazy.map { $0 }) { sentences.append($0) }
        #expect(sentences == SpecVectors.nodeSentences)
    }
}

@Suite("PCNTDecoder: noise and resync")
struct DecoderNoiseTests {
    let first = SpecVectors.node[1]
    let second = SpecVectors.node[2]

    @Test("noise before the first sentence is counted byte by byte and skipped")
    func noiseBefore() {
        let noise = Array("\u{0}\u{FF}boot log: ok\r\n".utf8)
        let (sentences, decoder) = decodeAll(noise + first.wire)
        #expect(sentences == [first.sentence])
        #expect(decoder.rejects == .only(noiseBytes: noise.count))
    }

    @Test("noise between sentences is counted and both sentences survive")
    func noiseBetween() {
        let noise: [UInt8] = [0x00, 0x41, 0x0D, 0x0A, 0x2A, 0x7F]
        let (sentences, decoder) = decodeAll(first.wire + noise + second.wire)
        #expect(sentences == [first.sentence, second.sentence])
        #expect(decoder.rejects == .only(noiseBytes: 6))
    }

    @Test("a non-printable byte inside a sentence rejects it as malformed; the rest of its line is not noise")
    func binaryNoiseInside() {
        var corrupted = first.wire
        corrupted.insert(0x00, at: 5)
        let (sentences, decoder) = decodeAll(corrupted + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a printable byte inside a sentence is caught by the CRC")
    func printableNoiseInside() {
        var corrupted = first.wire
        corrupted.insert(UInt8(ascii: "7"), at: 5)
        let (sentences, decoder) = decodeAll(corrupted + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(badCRC: 1))
    }

    @Test("a wrong CRC rejects the sentence as badCRC and the next one is decoded")
    func badCRC() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1*A803\r\n".utf8) + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(badCRC: 1))
    }

    @Test("a flipped bit in the body is a badCRC")
    func flippedBit() {
        var corrupted = first.wire
        corrupted[3] ^= 0x01  // '1' → '0' in the seq
        let (sentences, decoder) = decodeAll(corrupted)
        #expect(sentences.isEmpty)
        #expect(decoder.rejects == .only(badCRC: 1))
    }

    @Test("a `$` inside a sentence starts a new one; the cut one is malformed")
    func dollarInside() {
        let cut = Array("$B,17,1234".utf8)
        let (sentences, decoder) = decodeAll(cut + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a `$` in the CRC field starts a new sentence")
    func dollarInChecksum() {
        let cut = Array("$B,17,123456,A,1*A8".utf8)
        let (sentences, decoder) = decodeAll(cut + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a line without `*` is malformed")
    func missingStar() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1\r\n".utf8) + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a lowercase CRC is malformed: the spec says uppercase and our encoder writes nothing else")
    func lowercaseCRC() {
        let (sentences, decoder) = decodeAll(Array("$B,18,123690,B,1*4434\r\n$B,17,123456,A,1*a802\r\n".utf8))
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a CRC of three digits is malformed")
    func shortCRC() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1*A80\r\n".utf8) + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a CRC of five digits is malformed")
    func longCRC() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1*A8020\r\n".utf8) + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a bare `\\n` line end is accepted and counted apart")
    func bareLineFeed() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1*A802\n".utf8) + second.wire)
        #expect(sentences == [first.sentence, second.sentence])
        #expect(decoder.rejects == PCNTRejects())
        #expect(decoder.sentencesWithBareLineFeed == 1)
    }

    @Test("`\\r` not followed by `\\n` is malformed")
    func carriageReturnAlone() {
        let (sentences, decoder) = decodeAll(Array("$B,17,123456,A,1*A802\rX\n".utf8) + second.wire)
        #expect(sentences == [second.sentence])
        #expect(decoder.rejects == .only(malformed: 1))
    }

    @Test("a sentence waits for its line end before it is delivered")
    func waitsForLineEnd() {
        var decoder = PCNTDecoder()
        var sentences: [NodeSentence] = []
        decoder.decode(Array("$B,17,123456,A,1*A802\r".utf8)) { sentences.append($0) }
        #expect(sentences.isEmpty)
        decoder.decode([0x0A]) { sentences.append($0) }
        #expect(sentences == [first.sentence])
    }
}

@Suite("PCNTDecoder: length limit")
struct DecoderLengthTests {
    /// A HELLO whose firmware field makes the whole sentence `total` bytes long, `$` to `\n`.
    static func hello(totalBytes total: Int) -> (wire: [UInt8], sentence: NodeSentence) {
        // `$HELLO,0,0,1,node-17,` + fw + `,IR2*XXXX\r\n` = 32 bytes + fw.
        let firmware = String(repeating: "f", count: total - 32)
        let sentence = NodeSentence(
            seq: 0, tick: 0, message: .hello(Hello(nodeID: "node-17", firmware: firmware, kind: .ir2)))
        return (sentence.encoded, sentence)
    }

    @Test("a sentence of exactly 120 bytes is accepted")
    func exactlyMax() {
        let (wire, sentence) = Self.hello(totalBytes: 120)
        #expect(wire.count == 120)
        let (sentences, decoder) = decodeAll(wire)
        #expect(sentences == [sentence])
        #expect(decoder.rejects == PCNTRejects())
    }

    @Test("a line without its `\\r` is measured as if it had one: what is accepted re-encodes within 120 bytes")
    func bareLineFeedCountsTheMissingCarriageReturn() {
        let (fits, sentence) = Self.hello(totalBytes: 120)
        // 119 bytes as received: written out again it is the 120 it came from.
        var (sentences, decoder) = decodeAll(Array(fits.dropLast(2)) + [0x0A])
        #expect(sentences == [sentence])
        #expect(decoder.rejects == PCNTRejects())
        #expect(sentence.encoded.count <= PCNTLimits.maxSentenceBytes)
        // 120 bytes as received, 121 once written out: too long.
        let (over, _) = Self.hello(totalBytes: 121)
        let next = SpecVectors.node[1]
        (sentences, decoder) = decodeAll(Array(over.dropLast(2)) + [0x0A] + next.wire)
        #expect(sentences == [next.sentence])
        #expect(decoder.rejects == .only(tooLong: 1))
    }

    @Test("a sentence of 121 bytes is tooLong, even when its last byte is the line end")
    func oneOver() {
        let (wire, _) = Self.hello(totalBytes: 121)
        let next = SpecVectors.node[1]
        let (sentences, decoder) = decodeAll(wire + next.wire)
        #expect(sentences == [next.sentence])
        #expect(decoder.rejects == .only(tooLong: 1))
    }

    @Test("an endless line is tooLong once; its remaining bytes are not noise; the next `$` resyncs")
    func endlessLine() {
        let line = [UInt8(ascii: "$")] + [UInt8](repeating: UInt8(ascii: "x"), count: 500) + [0x0D, 0x0A]
        let next = SpecVectors.node[1]
        let (sentences, decoder) = decodeAll(line + next.wire)
        #expect(sentences == [next.sentence])
        #expect(decoder.rejects == .only(tooLong: 1))
    }

    @Test("an over-long line cut by a `$` resyncs on that `$`")
    func overLongCutByDollar() {
        let line = [UInt8(ascii: "$")] + [UInt8](repeating: UInt8(ascii: "x"), count: 200)
        let next = SpecVectors.node[1]
        let (sentences, decoder) = decodeAll(line + next.wire)
        #expect(sentences == [next.sentence])
        #expect(decoder.rejects == .only(tooLong: 1))
    }

    @Test("after an over-long line ends, bytes before the next `$` are noise again")
    func noiseAfterOverLong() {
        let line = [UInt8(ascii: "$")] + [UInt8](repeating: UInt8(ascii: "x"), count: 200) + [0x0A]
        let next = SpecVectors.node[1]
        let (sentences, decoder) = decodeAll(line + Array("zz".utf8) + next.wire)
        #expect(sentences == [next.sentence])
        #expect(decoder.rejects == .only(tooLong: 1, noiseBytes: 2))
    }
}

@Suite("PCNTDecoder: mixed faults, exact counts")
struct DecoderMixedFaultTests {
    /// Every sentence of a long seeded stream either intact or damaged in one known way; the decoder must
    /// deliver exactly the intact ones and count exactly the damage.
    @Test("a seeded stream of intact and damaged sentences gives exact counts (50 seeds)")
    func exactCounts() {
        for seed in UInt64(100)..<150 {
            var generator = SeededGenerator(seed: seed)
            var stream: [UInt8] = []
            var expected: [NodeSentence] = []
            var rejects = PCNTRejects()
            for index in 0..<200 {
                let sentence = NodeSentence(
                    seq: UInt16(index), tick: UInt32(index * 1000),
                    message: .beam(Bool.random(using: &generator) ? .a : .b, interrupted: index % 2 == 0))
                var wire = sentence.encoded
                // The last sentence stays intact: a cut one at the very end would still be pending.
                let damage = index == 199 ? 5 : Int.random(in: 0..<6, using: &generator)
                switch damage {
                case 0:  // bad CRC: change one CRC digit
                    let at = wire.count - 3
                    wire[at] = wire[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
                    rejects.badCRC += 1
                case 1:  // cut short: the next `$` interrupts it
                    wire.removeLast(Int.random(in: 3...(wire.count - 1), using: &generator))
                    rejects.malformed += 1
                case 2:  // noise between sentences (never `$`)
                    let noise = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                        UInt8.random(in: 0...0x23, using: &generator)
                    }
                    wire += noise
                    expected.append(sentence)
                    rejects.noiseBytes += noise.count
                default:
                    expected.append(sentence)
                }
                stream += wire
            }
            let chunks = randomChunks(stream, using: &generator).map(Array.init)
            let (sentences, decoder) = decodeAll(chunks)
            #expect(sentences == expected, "seed \(seed)")
            #expect(decoder.rejects == rejects, "seed \(seed)")
            #expect(decoder.sentencesAccepted == expected.count, "seed \(seed)")
            #expect(decoder.rejects.total == rejects.badCRC + rejects.malformed, "seed \(seed)")
        }
    }
}
