import PCNT
import Testing

@Test func crcCheckValue() {
    #expect(CRC16.ccittFalse(Array("123456789".utf8)) == 0x29B1)
}

@Test func encoderReproducesSpecVectors() {
    #expect(
        NodeSentence(seq: 17, tick: 123456, message: .beam(.a, interrupted: true)).encoded
            == Array("$B,17,123456,A,1*A802\r\n".utf8))
    #expect(
        NodeSentence(
            seq: 0, tick: 0, message: .hello(Hello(nodeID: "node-17", firmware: "1.4.2", kind: .ir2))
        )
        .encoded == Array("$HELLO,0,0,1,node-17,1.4.2,IR2*F1B1\r\n".utf8))
    #expect(
        NodeSentence(
            seq: 22, tick: 130000,
            message: .status(
                NodeStatus(uptimeSeconds: 130, temperatureDeciCelsius: 215, supplyMillivolts: 5012, flags: [])
            )
        ).encoded == Array("$S,22,130000,130,215,5012,0*4F62\r\n".utf8))
    #expect(Command.query(request: 7, key: "debounce_ms").encoded == Array("$Q,7,debounce_ms*AB9B\r\n".utf8))
    #expect(Command.reboot(request: 11).encoded == Array("$X,11*9749\r\n".utf8))
}
