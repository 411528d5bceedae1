import Control
import Foundation
import Testing

@Suite("Health message")
struct HealthReportTests {
    /// A gateway's status with a beam counter and a LiDAR that tells fast movers apart.
    static var status: StatusReport {
        var door = StatusReport.Sensor(name: "door", protocol: "pcnt", port: "/dev/passant-door", link: "up")
        door.crossings = 412
        door.frames = 9_000
        var facade = StatusReport.Sensor(
            name: "facade", protocol: "ld06", port: "/dev/passant-lidar", link: "up")
        facade.crossings = 1_250
        facade.fastMovers = 37
        facade.rejectedFrames = 3
        return StatusReport(
            version: "1.0", uptimeSeconds: 3600, site: "marktplatz", node: "gw-1", binSeconds: 60,
            sensors: [door, facade], uplinks: [StatusReport.Uplink(name: "mqtt")],
            store: StatusReport.Store(path: "/var/lib/passant/store.sqlite", bytes: 4096, maxBytes: 1 << 30),
            today: [StatusReport.DayCounts(sensor: "door", labels: ["in", "out"], hours: [[3, 4]])])
    }

    @Test func runningTotalsOfPeopleAndFastMoversNeverLeaveTheGateway() throws {
        let upstream = Self.status.upstream
        #expect(upstream.sensors.allSatisfy { $0.crossings == nil && $0.fastMovers == nil })
        #expect(upstream.today.isEmpty)
        let json = String(decoding: try JSONEncoder().encode(upstream), as: UTF8.self)
        #expect(!json.contains("crossings") && !json.contains("fastMovers") && !json.contains("1250"))
    }

    @Test func theEquipmentsStateIsKept() {
        var expected = Self.status
        for index in expected.sensors.indices {
            expected.sensors[index].crossings = nil
            expected.sensors[index].fastMovers = nil
        }
        expected.today = []
        #expect(Self.status.upstream == expected)
        #expect(Self.status.upstream.sensors.map(\.rejectedFrames) == [0, 3])
    }
}
