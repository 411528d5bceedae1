import PassantConfig
import Testing

private func parse(_ text: String) throws(ConfigurationErrors) -> Configuration {
    try Configuration.parse(text, file: "passant.yaml", defaultNode: "pi-7")
}

private func problems(_ text: String) -> [String] {
    do {
        _ = try parse(text)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

@Suite("Configuration: LD06 sensors")
struct LidarConfigurationTests {
    @Test func anLD06SensorGetsItsLineRegionBackgroundAndDefaults() throws {
        let config = try parse(
            """
            site: s
            sensors:
              - name: facade
                port: /dev/serial/by-id/usb-ld06
                protocol: ld06
                line: [[0.3, 0], [3.2, 0.5]]
                region: [[0.2, -2.5], [3.3, -2.5], [3.3, 2.5]]
                background: /var/lib/passant/facade.background
            """)
        let sensor = try #require(config.sensors.first)
        #expect(sensor.protocol == .ld06)
        #expect(sensor.baud == 230_400)
        let lidar = try #require(sensor.lidar)
        #expect(lidar.p == SensorPoint(x: 0.3, y: 0))
        #expect(lidar.q == SensorPoint(x: 3.2, y: 0.5))
        #expect(lidar.region?.count == 3)
        #expect(lidar.backgroundPath == "/var/lib/passant/facade.background")
        #expect(lidar.absorbAfterSeconds == 120)
        #expect(lidar.fastMoverSpeed == 3.0)
    }

    @Test func anLD06WithoutALineIsRefusedWithWhatToWrite() {
        let found = problems(
            """
            site: s
            sensors:
              - name: facade
                port: /dev/ttyUSB0
                protocol: ld06
            """)
        #expect(
            found.contains {
                $0.hasPrefix("passant.yaml:3: sensors[0].line: is missing") && $0.contains("[[x, y], [x, y]]")
            }, "\(found)")
    }

    @Test func badPointsAreReportedWithKeyAndLine() {
        let found = problems(
            """
            site: s
            sensors:
              - name: facade
                port: /dev/ttyUSB0
                protocol: ld06
                line: [[0.3, 0], [0.3, 0]]
                region: [[0, 0], [1, x]]
                fast_mover_mps: 99
            """)
        #expect(
            found.contains(
                "passant.yaml:6: sensors[0].line: P and Q are the same point; the line needs a length"),
            "\(found)")
        #expect(found.contains("passant.yaml:7: sensors[0].region[1]: must be a number, not 'x'"), "\(found)")
        #expect(
            found.contains { $0.hasPrefix("passant.yaml:8: sensors[0].fast_mover_mps: must be between 0") },
            "\(found)")
    }

    @Test func lidarKeysOnAPCNTSensorAreRefused() {
        let found = problems(
            """
            site: s
            sensors:
              - name: door
                port: /dev/ttyUSB0
                line: [[0, 0], [1, 0]]
            """)
        #expect(found == ["passant.yaml:5: sensors[0].line: is only for 'protocol: ld06' sensors"])
    }
}
