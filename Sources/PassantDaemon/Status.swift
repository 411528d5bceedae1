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
            if health.protocol == "ld06" { sensor.fastMovers = health.fastMovers }
            sensor.binsStored = report.binsStored
            sensor.binsWaiting = report.binsWaiting
            sensor.lastError = report.lastError
            sensor.identity = health.hello.map { "\($0.kind) node \($0.nodeID), firmware \($0.firmware)" }
            return sensor
        }
        let uplinks = deliveries.map { delivery in
            var uplink = StoredStatus.uplink(delivery.name, in: store)
            let status = delivery.status.snapshot
            uplink.lastDelivery = status.lastDelivery.map { UTCTime.format($0) }
            uplink.lastError = status.lastError
            return uplink
        }
        return StatusReport(
            version: Daemon.version, uptimeSeconds: Int(monotonicSeconds() - started),
            site: configuration.site,
            node: configuration.node, binSeconds: configuration.binLength.rawValue, sensors: sensors,
            uplinks: uplinks,
            store: StatusReport.Store(
                path: configuration.store.path, bytes: try? store.sizeInBytes,
                maxBytes: configuration.store.maxBytes, heldBins: StoredStatus.held(in: store)),
            today: withToday ? StoredStatus.today(configuration, in: store) : [])
    }
}

/// What the store alone tells: today's counts and each uplink's queue. Part of the daemon's status,
/// and all of `passant status` while passantd is stopped.
public enum StoredStatus {
    /// Today's counts per sensor and hour, the day and hours as the gateway's time zone has them.
    public static func today(_ configuration: Configuration, in store: BinStore?) -> [StatusReport.DayCounts]
    {
        let midnight = Int64(Calendar.current.startOfDay(for: Date()).timeIntervalSince1970)
        let bins = (try? store?.bins(from: midnight, to: midnight + 86_400)) ?? []
        return configuration.sensors.map { sensor in
            StatusReport.DayCounts(
                sensor: sensor.name, labels: [sensor.labels.aToB, sensor.labels.bToA], midnight: midnight,
                bins: bins.lazy.filter { $0.key.sensor == sensor.name }.map {
                    ($0.key.start, $0.aToB, $0.bToA)
                })
        }
    }

    /// How many bins are held waiting for the system clock (see `HeldBin`); nil when unreadable.
    public static func held(in store: BinStore?) -> Int? {
        try? store?.heldCount()
    }

    /// An uplink's queue and the newest bin it delivered.
    public static func uplink(_ name: String, in store: BinStore?) -> StatusReport.Uplink {
        var uplink = StatusReport.Uplink(name: name)
        uplink.queue = try? store?.pendingCount(uplink: name)
        if let newest = try? store?.newestDelivered(uplink: name) {
            uplink.newestDeliveredBin = UTCTime.format(newest)
        }
        return uplink
    }
}
