import ArgumentParser
import Control
import Counting
import Foundation
import PassantConfig
import PassantDaemon
import SerialInput

/// Where `monitor` and `walk-test` get their live events: from the running passantd over its control
/// socket, or — when it is stopped — from the sensor's port, opened here and counted with the same
/// pipeline the daemon runs. Nothing of it is stored.
struct LiveSource {
    let socketPath: String
    let configPath: String

    enum Origin: CustomStringConvertible {
        case daemon(String)
        case port(String)

        var description: String {
            switch self {
            case .daemon(let path): "passantd (\(path))"
            case .port(let port): "\(port), opened directly (passantd is not running)"
            }
        }
    }

    /// Streams live events of `sensor` until `each` or `tick` returns false. `started` is told where
    /// they come from before the first event.
    func run(
        sensor: String?, started: (Origin) -> Void, tick: () -> Bool, each: (LiveMessage) -> Bool
    ) throws {
        let client = ControlClient(path: socketPath)
        do {
            // Ask for the status first: it fails fast when no daemon listens.
            _ = try client.request(ControlRequest(.status), timeoutSeconds: 5)
            started(.daemon(socketPath))
            try client.watch(sensor: sensor, tick: tick, each)
        } catch  where error.kind == .notRunning {
            try runLocally(sensor: sensor, started: started, tick: tick, each: each)
        } catch {
            throw CommandFailure(error.message)
        }
    }

    private func runLocally(
        sensor name: String?, started: (Origin) -> Void, tick: () -> Bool, each: (LiveMessage) -> Bool
    ) throws {
        let configuration = try loadConfiguration(configPath)
        let sensor: SensorConfiguration
        if let name {
            guard let found = configuration.sensors.first(where: { $0.name == name }) else {
                throw ValidationError(
                    "no sensor '\(name)' in \(configPath); configured: \(configuration.sensors.map(\.name).joined(separator: ", "))"
                )
            }
            sensor = found
        } else if configuration.sensors.count == 1 {
            sensor = configuration.sensors[0]
        } else {
            throw ValidationError(
                "passantd is not running; name the sensor to open with --sensor (\(configuration.sensors.map(\.name).joined(separator: ", ")))"
            )
        }
        // Every port of the sensor: a TFmini pair has two.
        var sources: [any ByteSource] = []
        defer { for source in sources { source.close() } }
        for port in sensor.ports {
            do {
                sources.append(try openSource(SourceAddress(parsing: port), baud: sensor.baud))
            } catch {
                throw ValidationError("passantd is not running, and \(error)")
            }
        }
        started(.port(sensor.ports.joined(separator: " + ")))
        var counter = CounterSetup(sensor: sensor, in: configuration).makeCounter(clock: .systemClock)
        counter.watch(true)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let labels = (sensor.labels.aToB, sensor.labels.bToA)
        while true {
            for (index, source) in sources.enumerated() {
                let count: Int
                do {
                    count = try source.read(into: buffer, timeoutMillis: sources.count == 1 ? 200 : 10)
                } catch {
                    throw ValidationError("\(error)")
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                if count > 0 {
                    _ = counter.receive(
                        UnsafeRawBufferPointer(rebasing: buffer[0..<count]), port: index, arrival: now)
                }
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            _ = counter.tick(now: now)
            for event in counter.takeLiveEvents()
            where !each(LiveMessage(event, sensor: sensor.name, labels: labels)) {
                return
            }
            if !tick() { return }
        }
    }
}
