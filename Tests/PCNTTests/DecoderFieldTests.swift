// What PCNTDecoder accepts inside a sentence with a good CRC: the field grammar of each type.

import PCNT
import Testing

@Suite("PCNTDecoder: field grammar")
struct DecoderFieldTests {
    /// Decodes one body framed with a correct CRC.
    func decode(_ body: String) -> ([NodeSentence], PCNTRejects) {
        let (sentences, decoder) = decodeAll(framed(body))
        return (sentences, decoder.rejects)
    }

    @Test("seq 65535 and tick 4294967295 are the largest accepted")
    func largestNumbers() {
        let (sentences, rejects) = decode("K,65535,4294967295")
        #expect(sentences == [NodeSentence(seq: 65535, tick: 4_294_967_295, message: .keepalive)])
        #expect(rejects == PCNTRejects())
    }

    @Test(
        "a body outside the grammar is malformed",
        arguments: [
            "K,65536,0",  // seq > u16
            "K,0,4294967296",  // tick > u32
            "K,0,99999999999999999999999",  // tick far beyond u64
            "K,-1,0",  // unsigned field with a sign
            "K,+1,0",
            "K,01,0",  // leading zero: not what the encoder writes
            "K,1,",  // empty tick
            "K,,1",  // empty seq
            "K,1",  // missing tick
            "K,1,2,",  // trailing comma: an extra empty field
            "K,1,2,3",  // extra field
            "K,1 ,2",  // space in a number
            "K,0x1,2",
            "B,1,2,C,1",  // bad channel
            "B,1,2,a,1",  // channel is uppercase
            "B,1,2,A,2",  // bad state
            "B,1,2,A",  // missing state
            "B,1,2,A,1,0",  // extra field
            "D,1,2,100,65536,100,5",  // strength > u16
            "D,1,2,4294967296,5,100,5",  // distance > u32
            "D,1,2,100,5,100",  // missing field
            "S,1,2,130,2147483648,5012,0",  // temperature > i32
            "S,1,2,130,-2147483649,5012,0",  // temperature < i32
            "S,1,2,130,-0,5012,0",  // negative zero
            "S,1,2,130,-,5012,0",
            "S,1,2,130,215,5012,1f",  // flags are uppercase hex
            "S,1,2,130,215,5012,10000",  // flags > u16
            "S,1,2,130,215,5012,01",  // flags with a leading zero
            "S,1,2,130,215,5012,",  // empty flags
            "S,1,2,130,215,5012,G",
            "HELLO,0,0,1,node_17,1.4.2,IR2",  // node id with `_`
            "HELLO,0,0,1,,1.4.2,IR2",  // empty node id
            "HELLO,0,0,1,abcdefghijabcdefghijabcdefghijabc,1.4.2,IR2",  // node id of 33 characters
            "HELLO,0,0,1,node-17,,IR2",  // empty firmware
            "HELLO,0,0,1,node-17,1.4.2,IR3",  // unknown kind
            "HELLO,0,0,1,node-17,1.4.2,ir2",
            "HELLO,0,0,65536,node-17,1.4.2,IR2",  // protocol version > u16
            "HELLO,0,0,1,node-17,1.4.2",  // missing kind
            "R,1,2,7,ok,debounce_ms,20",  // status is uppercase
            "R,1,2,7,MAYBE,debounce_ms,20",
            "R,1,2,7,OK,,20",  // empty key
            "R,1,2,7,OK,debounce_ms,",  // empty value
            "R,1,2,65536,OK,debounce_ms,20",  // request > u16
            "",  // empty body
            ",1,2",  // empty type
        ])
    func malformed(_ body: String) {
        let (sentences, rejects) = decode(body)
        #expect(sentences.isEmpty)
        #expect(rejects == .only(malformed: 1))
    }

    @Test(
        "a well-formed sentence of a type this decoder does not know is unknownType",
        arguments: ["Z,1,2", "b,1,2,A,1", "HELLO2,0,0", "Q,7,debounce_ms", "GPGGA,1,2,3"])
    func unknownType(_ body: String) {
        let (sentences, rejects) = decode(body)
        #expect(sentences.isEmpty)
        #expect(rejects == .only(unknownType: 1))
    }

    @Test("a bad CRC wins over an unknown type: an unchecked type cannot be trusted")
    func badCRCBeforeType() {
        let (sentences, decoder) = decodeAll(Array("$Z,1,2*0000\r\n".utf8))
        #expect(sentences.isEmpty)
        #expect(decoder.rejects == .only(badCRC: 1))
    }

    @Test("status reads a negative temperature and hex flags, keeping bits it cannot name")
    func statusFields() {
        let (sentences, rejects) = decode("S,3,40000,40,-125,3300,3D")
        let expected = NodeStatus(
            uptimeSeconds: 40, temperatureDeciCelsius: -125, supplyMillivolts: 3300,
            flags: [.beamAStuck, .lowSupply, .watchdogReset, .emitterFault, NodeStatus.Flags(rawValue: 0x20)])
        #expect(sentences == [NodeSentence(seq: 3, tick: 40000, message: .status(expected))])
        #expect(rejects == PCNTRejects())
    }

    @Test("status accepts the extreme temperatures of an Int32")
    func statusExtremes() {
        let (low, _) = decode("S,1,2,0,-2147483648,0,0")
        let (high, _) = decode("S,1,2,0,2147483647,0,FFFF")
        #expect(
            low.first.map(\.message)
                == .status(
                    NodeStatus(uptimeSeconds: 0, temperatureDeciCelsius: .min, supplyMillivolts: 0, flags: [])
                ))
        #expect(
            high.first.map(\.message)
                == .status(
                    NodeStatus(
                        uptimeSeconds: 0, temperatureDeciCelsius: .max, supplyMillivolts: 0,
                        flags: NodeStatus.Flags(rawValue: 0xFFFF))))
    }

    @Test("a HELLO with another protocol version is delivered: the gateway decides what to do with it")
    func otherProtocolVersion() {
        let (sentences, rejects) = decode("HELLO,0,0,2,node-17,2.0.0,IR2")
        #expect(
            sentences == [
                NodeSentence(
                    seq: 0, tick: 0,
                    message: .hello(
                        Hello(protocolVersion: 2, nodeID: "node-17", firmware: "2.0.0", kind: .ir2)))
            ])
        #expect(rejects == PCNTRejects())
    }

    @Test("firmware text may hold any printable byte but `$`, `*` and `,`")
    func firmwareText() {
        let (sentences, _) = decode("HELLO,0,0,1,N-1,v1.4.2 (rc #3; 2024-05-01),TOF2")
        #expect(
            sentences.first.map(\.message)
                == .hello(Hello(nodeID: "N-1", firmware: "v1.4.2 (rc #3; 2024-05-01)", kind: .tof2)))
    }

    @Test("a D sample with no return on either side reads as distance 0")
    func distancesNoReturn() {
        let (sentences, _) = decode("D,9,4000,0,0,0,0")
        #expect(
            sentences == [
                NodeSentence(
                    seq: 9, tick: 4000,
                    message: .distances(aMillimetres: 0, aStrength: 0, bMillimetres: 0, bStrength: 0))
            ])
    }
}
