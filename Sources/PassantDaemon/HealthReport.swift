import CountBins
import Logging
import MQTTUplink
import ServiceLifecycle
import Store

/// Publishes the gateway's health on each MQTT uplink's health topic, every `health_interval_s`:
/// version, uptime, each sensor's link and counters, each uplink's queue depth and newest delivered
/// bin, the store's size. Counters and states only; the only times are bin starts.
struct HealthReporter: Service {
    let board: StatusBoard
    let store: BinStore
    let uplinkNames: [String]
    let targets: [MQTTUplink]
    let logger: Logger
    let started = monotonicSeconds()

    func run() async throws {
        guard let interval = targets.compactMap(\.healthInterval).min() else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let json = report()
            for target in targets where target.healthInterval != nil { target.publishHealth(json) }
        }
    }

    func report() -> String {
        var json =
            "{\"version\":\(JSONText.string(Daemon.version)),\"uptime_s\":\(Int(monotonicSeconds() - started))"
        json += ",\"sensors\":["
        json += board.reports.map { report in
            let health = report.health
            return
                "{\"name\":\(JSONText.string(report.name)),\"protocol\":\"\(health.protocol)\",\"link\":\"\(health.link.rawValue)\""
                + ",\"degraded\":\(health.degraded),\"sentences\":\(health.frames)"
                + ",\"rejected\":\(health.rejectedFrames),\"lost\":\(health.lostFrames),\"reboots\":\(health.reboots)"
                + ",\"bins_stored\":\(report.binsStored),\"bins_waiting\":\(report.binsWaiting)}"
        }.joined(separator: ",")
        json += "],\"uplinks\":["
        json += uplinkNames.map { name in
            let depth = (try? store.pendingCount(uplink: name)).map(String.init) ?? "null"
            let newest = (try? store.newestDelivered(uplink: name)).flatMap { $0 }
            return "{\"name\":\(JSONText.string(name)),\"queue\":\(depth),\"newest_delivered_bin\":"
                + (newest.map { "\"\(UTCTime.format($0))\"" } ?? "null") + "}"
        }.joined(separator: ",")
        let size = (try? store.sizeInBytes).map(String.init) ?? "null"
        json += "],\"store_bytes\":\(size)}"
        return json
    }
}
