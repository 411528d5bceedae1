import CountBins
import Foundation
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

@Suite("Configuration")
struct ConfigurationTests {
    @Test func aMinimalConfigGetsTheDocumentedDefaults() throws {
        let config = try parse(
            """
            site: marktplatz
            sensors:
              - name: door
                port: /dev/ttyUSB0
            """)
        #expect(config.site == "marktplatz")
        #expect(config.node == "pi-7")
        #expect(config.binLength == .fifteenMinutes)
        #expect(config.graceSeconds == 10)
        #expect(config.store.path == "/var/lib/passant/passant.db")
        let sensor = try #require(config.sensors.first)
        #expect(sensor.protocol == .pcnt)
        #expect(sensor.baud == 115_200)
        #expect(sensor.labels == DirectionLabels(aToB: "a_to_b", bToA: "b_to_a"))
        #expect(sensor.linkTimeoutMillis == 3000)
    }

    @Test func everySettingIsRead() throws {
        let config = try parse(
            """
            site: bahnhof-nord
            node: gw-2
            bin_seconds: 60
            grace_seconds: 20
            store:
              path: /tmp/p.db
            sensors:
              - name: east
                port: tcp://127.0.0.1:4001
                protocol: pcnt
                baud: 9600
                labels: {a_to_b: inbound, b_to_a: outbound}
                max_transit_ms: 2000
                stuck_after_s: 45
                link_timeout_ms: 5000
            """)
        #expect(config.node == "gw-2")
        #expect(config.binLength == .oneMinute)
        #expect(config.graceSeconds == 20)
        #expect(config.store.path == "/tmp/p.db")
        let sensor = try #require(config.sensors.first)
        #expect(sensor.port == "tcp://127.0.0.1:4001")
        #expect(sensor.baud == 9600)
        #expect(sensor.labels == DirectionLabels(aToB: "inbound", bToA: "outbound"))
        #expect(sensor.maxTransitMillis == 2000)
        #expect(sensor.stuckAfterSeconds == 45)
        #expect(sensor.linkTimeoutMillis == 5000)
    }

    @Test func anInvalidBinLengthNamesKeyAndLine() {
        let found = problems(
            """
            site: x
            bin_seconds: 120
            sensors:
              - {name: door, port: /dev/ttyUSB0}
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.key == "bin_seconds")
        #expect(
            found.first?.description == "passant.yaml:2: bin_seconds: must be 60, 300, 900 or 3600, not 120")
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let found = problems(
            """
            site: x
            sensors:
              - name: door
                port: ttyUSB0
                baud: fast
              - name: door
                port: /dev/ttyUSB1
                protocl: pcnt
            """)
        #expect(found.map(\.key) == ["sensors[0].port", "sensors[0].baud", "sensors[1].protocl"])
        #expect(found.map(\.line) == [4, 5, 8])
    }

    @Test func duplicateSensorNamesAreRefused() {
        let found = problems(
            """
            site: x
            sensors:
              - {name: door, port: /dev/ttyUSB0}
              - {name: door, port: /dev/ttyUSB1}
            """)
        #expect(found.map(\.key) == ["sensors[1].name"])
    }

    @Test func missingSiteAndSensorsAreNamed() {
        let found = problems("node: gw\n")
        #expect(Set(found.map(\.key)) == ["site", "sensors"])
    }

    @Test func brokenYAMLGivesTheLine() {
        let found = problems("site: x\nsensors:\n  - name: [door\n")
        #expect(found.count == 1)
        #expect(found.first?.line != nil)
        #expect(found.first?.message.hasPrefix("not valid YAML") == true)
    }

    @Test func namesThatWouldBreakKeysOrTopicsAreRefused() {
        let found = problems(
            """
            site: "my site/1"
            sensors:
              - {name: "door#1", port: /dev/ttyUSB0}
            """)
        #expect(found.map(\.key) == ["site", "sensors[0].name"])
    }

    @Test func anUnreadableFileSaysWhatToDo() {
        #expect {
            try Configuration.load(path: "/nonexistent/passant.yaml", defaultNode: "x")
        } throws: { error in
            (error as? ConfigurationErrors)?.description.contains("--config FILE") == true
        }
    }
}

@Test func theExampleConfigurationInTheRepositoryIsValid() throws {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    let path = root.appendingPathComponent("passant.example.yaml").path
    let config = try Configuration.load(path: path, defaultNode: "pi")
    #expect(config.site == "marktplatz-ost")
    #expect(config.sensors.map(\.name) == ["eingang-nord", "fassade-sued", "durchgang-sued", "eingang-west"])
    #expect(config.sensors.map(\.protocol) == [.pcnt, .ld06, .tfminiPair, .tof2])
    #expect(config.uplinks.map(\.name) == ["stadt-sta", "stadt-mqtt"])
}
