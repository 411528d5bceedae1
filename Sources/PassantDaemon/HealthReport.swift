import Control
import Foundation
import Logging
import MQTTUplink
import ServiceLifecycle

/// Publishes the gateway's health on each MQTT uplink's health topic, every `health_interval_s`: the
/// status `passant status` shows, without today's counts — version, uptime, each sensor's link,
/// frames, current-bin coverage and counters (not the people counted), each uplink's queue depth, newest delivered bin, last
/// delivery and last error, the store's size. Counters and states only.
struct HealthReporter: Service {
    let status: StatusSource
    let targets: [MQTTUplink]
    let logger: Logger

    func run() async throws {
        guard let interval = targets.compactMap(\.healthInterval).min() else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let report = status.report(withToday: false).upstream
            guard let json = try? JSONEncoder.passant.encode(report) else { continue }
            let text = String(decoding: json, as: UTF8.self)
            for target in targets where target.healthInterval != nil { target.publishHealth(text) }
        }
    }
}
