import PassantConfig
import Testing

private func parse(_ text: String) throws(ConfigurationErrors) -> Configuration {
    try Configuration.parse(text, file: "passant.yaml", defaultNode: "pi-7")
}

private func problems(_ text: String) -> [ConfigurationError] {
    do {
        _ = try parse(text)
        return []
    } catch {
        return error.errors
    }
}

@Suite("Rangefinder configuration")
struct RangefinderConfigurationTests {
    @Test func aTFminiPairNamesOnePortAndModelPerChannel() throws {
        let config = try parse(
            """
            site: s
            sensors:
              - name: gate
                protocol: tfmini-pair
                channels:
                  a: {port: /dev/serial/by-id/usb-A, model: tfmini-plus}
                  b: {port: tcp://127.0.0.1:4002}
                baseline: /var/lib/passant/gate.baseline
                margin_mm: 300
                frame_rate_hz: 250
              - name: door
                protocol: tof2
                port: /dev/ttyUSB3
                open_zone_mm: 2500
            """)
        let gate = config.sensors[0]
        #expect(gate.protocol == .tfminiPair)
        #expect(gate.ports == ["/dev/serial/by-id/usb-A", "tcp://127.0.0.1:4002"])
        #expect(gate.channelA?.model == .tfminiPlus)
        #expect(gate.channelB?.model == .tfminiS)
        #expect(gate.rangefinder?.baselinePath == "/var/lib/passant/gate.baseline")
        #expect(gate.rangefinder?.marginMillimetres == 300)
        #expect(gate.rangefinder?.frameRateHz == 250)
        #expect(gate.linkTimeoutMillis == 1500)
        let door = config.sensors[1]
        #expect(door.protocol == .tof2)
        #expect(door.ports == ["/dev/ttyUSB3"])
        #expect(door.rangefinder?.openZoneMillimetres == 2500)
        #expect(door.linkTimeoutMillis == 3000)
    }

    @Test func mistakesAreReportedWithKeyAndLine() {
        let found = problems(
            """
            site: s
            sensors:
              - name: gate
                protocol: tfmini-pair
                port: /dev/ttyUSB0
                channels:
                  a: {port: /dev/ttyUSB1, model: tfmini}
                  b: {port: /dev/ttyUSB1}
              - name: beams
                port: /dev/ttyUSB2
                baseline: /tmp/x
              - name: half
                protocol: tfmini-pair
                channels:
                  a: {port: /dev/ttyUSB5}
            """)
        let byKey = Dictionary(found.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byKey["sensors[0].port"]?.line == 5)
        #expect(byKey["sensors[0].port"]?.message.contains("channels.a.port") == true)
        #expect(byKey["sensors[0].channels.a.model"]?.message.contains("tfmini-s") == true)
        #expect(byKey["sensors[0].channels.b.port"]?.message.contains("channel A's port") == true)
        #expect(byKey["sensors[1].baseline"]?.message.contains("protocol: tof2") == true)
        #expect(byKey["sensors[1].baseline"]?.line == 11)
        #expect(byKey["sensors[2].channels.b"] != nil)
    }

    @Test func aPortReadByTwoSensorsIsAnError() {
        let found = problems(
            """
            site: s
            sensors:
              - {name: one, port: /dev/ttyUSB0}
              - name: two
                protocol: tfmini-pair
                channels: {a: {port: /dev/ttyUSB1}, b: {port: /dev/ttyUSB0}}
            """)
        #expect(found.map(\.key) == ["sensors[1]"])
        #expect(found.first?.message.contains("'one'") == true)
    }

    @Test func baselineFilesRoundTripAndBadOnesSayWhere() throws {
        let file = BaselineFile(a: .millimetres(3012), b: .open)
        let text = file.text(comment: "passant baseline for sensor gate")
        #expect(try BaselineFile.parse(text, file: "g.baseline") == file)
        do {
            _ = try BaselineFile.parse("a: 3000\nb: far\n", file: "g.baseline")
            Issue.record("accepted a bad value")
        } catch {
            #expect(error.errors.first?.line == 2)
            #expect(error.errors.first?.description.contains("'far'") == true)
        }
        do {
            _ = try BaselineFile.parse("a: 3000\n", file: "g.baseline")
            Issue.record("accepted a missing channel")
        } catch {
            #expect(error.errors.first?.message.contains("calibrate") == true)
        }
    }
}
