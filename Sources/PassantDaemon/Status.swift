import Control
import CountBins
import Foundation
import PassantConfig
import Store
import Uplinks

/// Builds the daemon's status — for `passant status` over the control socket and, without today's
/// counts, for the health message on MQTT. Counters, states and bin-aligned counts only.
struct StatusSource: Sendable {
    let configuration: Configuration
    let board: StatusBoard
    let store: BinStore
    let deliveries: [Delivery]
    let started = monotonicSeconds()

    struct Delivery: Sendable {
        var name: String
        var status: DeliveryStatus
    }

    func report(withToday: Bool) -> StatusReport {
        let sensors = board.reports.map { report in
            let health = report.health
            var sensor = StatusReport.Sensor(
                name: report.name, protocol: health.protocol, port: report.port,
                link: report.portOpen || health.link != .waiting ? health.link.rawValue : "closed")
            sensor.framesPerSecond = (report.framesPerSecond * 10).rounded() / 10
            sensor.frames = health.frames
            sensor.rejectedFrames = health.rejectedFrames
            sensor.rejected = health.rejected
            sensor.lostFrames = health.lostFrames
            sensor.reboots = health.reboots
            sensor.degraded = health.degraded
            sensor.coverage = health.binCoverage
            sensor.crossings = health.crossings
            sensor.binsStored = report.binsStored
            sensor.binsWaiting = report.binsWaiting
            sensor.lastError = report.lastError
            sensor.identity = health.hello.map { "\($0.kind) node \($0.nodeID), firmware \($0.firmware)" }
            return sensor
        }
        let uplinks = deliveries.map { delivery in
            var uplink = StatusReport.Uplink(name: delivery.name)
            uplink.queue = try? store.pendingCount(uplink: delivery.name)
            uplink.newestDeliveredBin = (try? store.newestDelivered(uplink: delivery.name)).flatMap { $0 }
                .map { UTCTime.format($0) }
            let status = delivery.status.snapshot
            uplink.lastDelivery = status.lastDelivery.map { UTCTime.format($0) }
            uplink.lastError = status.lastError
            return uplink
        }
        return StatusReport(
            version: Daemon.version, uptimeSeconds: Int(monotonicSeconds() - started), site: configuration.site,
            node: configuration.node, binSeconds: configuration.binLength.rawValue, sensors: sensors,
            uplinks: uplinks,
            store: StatusReport.Store(
                path: configuration.store.path, bytes: try? store.sizeInBytes, maxBytes: configuration.store.maxBytes),
            today: withToday ? today() : [])
    }

    /// Today's counts per sensor and hour, the day and hours as the gateway's time zone has them.
    private func today() -> [StatusReport.DayCounts] {
        let now = Date()
        let midnight = Calendar.current.startOfDay(for: now)
        let from = Int64(midnight.timeIntervalSince1970)
        let bins = (try? store.bins(from: from, to: from + 86_400)) ?? []
        return configuration.sensors.map { sensor in
            StatusReport.DayCounts(
                sensor: sensor.name, labels: [sensor.labels.aToB, sensor.labels.bToA], midnight: from,
                bins: bins.lazy.filter { $0.key.sensor == sensor.name }.map { ($0.key.start, $0.aToB, $0.bToA) })
        }
    }
}
