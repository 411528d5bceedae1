import Counting
import Logging
import MQTTUplink
import PassantConfig
import SensorThingsUplink
import ServiceLifecycle
import Store
import Uplinks

/// Assembles and runs passantd: the store, one service per sensor, and the supervisor that talks to
/// systemd. Returns after a graceful shutdown (SIGTERM, SIGINT) once every open bin is stored.
public enum Daemon {
    public static let version = "0.1.0"

    public static func run(
        configuration: Configuration, clock: ClockAnchor.Mode, environment: [String: String], logger: Logger,
        reread: @escaping @Sendable () throws -> Configuration,
        timeSync: TimeSynchronisation = .automatic
    ) async throws {
        let store: BinStore
        do {
            store = try BinStore(path: configuration.store.path, uplinks: configuration.uplinks.map(\.name))
        } catch {
            logger.critical("cannot open the store: \(error)")
            throw error
        }
        let board = StatusBoard()
        let live = LiveFeed()
        let nodes = NodeDesk()
        let calibrations = CalibrationDesk(configuration: configuration, read: reread)
        let tap = PortTap()
        let notifier = SystemdNotifier(environment: environment)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = configuration.sensors.map { sensor in
            .init(
                service: SensorService(
                    sensor: sensor, configuration: configuration, clock: clock, store: store, board: board,
                    live: live, nodes: nodes, calibrations: calibrations, tap: tap, logger: logger,
                    timeSync: timeSync),
                serviceName: "sensor \(sensor.name)")
        }
        var mqttUplinks: [MQTTUplink] = []
        var deliveries: [StatusSource.Delivery] = []
        for uplinkConfiguration in configuration.uplinks {
            let uplink = try makeUplink(
                uplinkConfiguration, of: configuration, environment: environment, logger: logger)
            if let mqtt = uplink as? MQTTUplink { mqttUplinks.append(mqtt) }
            let status = DeliveryStatus()
            deliveries.append(.init(name: uplink.name, status: status))
            services.append(
                .init(
                    service: DeliveryService(
                        uplink: uplink, store: store, holdSeconds: Int64(configuration.graceSeconds) + 60,
                        logger: logger, status: status, now: systemMillis),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    serviceName: "uplink \(uplink.name)"))
        }
        let status = StatusSource(
            configuration: configuration, board: board, store: store, deliveries: deliveries)
        if let path = configuration.controlSocket {
            services.append(
                .init(
                    service: ControlService(
                        path: path, status: status, live: live, nodes: nodes, calibrations: calibrations,
                        tap: tap, logger: logger),
                    successTerminationBehavior: .ignore, serviceName: "control socket"))
        }
        services.append(
            .init(
                service: HangupReload(calibrations: calibrations, logger: logger),
                successTerminationBehavior: .ignore, serviceName: "reload on SIGHUP"))
        if !mqttUplinks.isEmpty {
            services.append(
                .init(
                    service: HealthReporter(status: status, targets: mqttUplinks, logger: logger),
                    successTerminationBehavior: .ignore, serviceName: "health reporter"))
        }
        // The age limit needs a trustworthy clock: with a sensor epoch (tests, simulations) only size counts.
        let retention = RetentionPolicy(
            maxBytes: configuration.store.maxBytes,
            maxAgeSeconds: clock == .systemClock ? configuration.store.maxAgeSeconds : nil)
        services.append(
            .init(
                service: StoreKeeper(
                    store: store, policy: retention, uplinks: configuration.uplinks.map(\.name),
                    logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "store keeper"))
        services.append(
            .init(
                service: Supervisor(
                    board: board, notifier: notifier,
                    watchdogMicroseconds: SystemdNotifier.watchdogMicroseconds(environment: environment),
                    logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "supervisor"))
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
                logger: logger))
        logger.info(
            "passantd \(version) counting site \(configuration.site) as \(configuration.node): \(configuration.sensors.count) sensors, \(configuration.binLength.rawValue) s bins, store \(configuration.store.path)"
        )
        notifier.ready(status: "counting \(configuration.sensors.count) sensors")
        try await group.run()
    }
}

/// The uplink for one entry of `uplinks:`.
func makeUplink(
    _ uplink: UplinkConfiguration, of configuration: Configuration, environment: [String: String],
    logger: Logger
) throws -> any Uplink {
    do {
        switch uplink {
        case .mqtt(let mqtt):
            return try MQTTUplink(mqtt, of: configuration, environment: environment, logger: logger)
        case .sensorThings(let sensorThings):
            return try SensorThingsUplink(
                configuration: sensorThings, site: configuration.site, node: configuration.node,
                sensors: configuration.sensors.map(SensorThingsUplink.Sensor.init), environment: environment,
                logger: logger)
        }
    } catch {
        logger.critical("uplink \(uplink.name) not usable: \(error)")
        throw Daemon.ConfigurationError(message: "uplink \(uplink.name): \(error)")
    }
}

extension Daemon {
    /// The configuration names something that cannot be used (a secret's variable unset, a TLS file
    /// unreadable): no restart will help until it is fixed.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

/// Keeps the store within its size and age limits, once a minute: delivered bins go first; undelivered
/// ones only when they must, recorded as a dropped range. Counting never stops for a full store.
struct StoreKeeper: Service {
    let store: BinStore
    let policy: RetentionPolicy
    let uplinks: [String]
    let logger: Logger

    func run() async throws {
        var lastError: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try store.enforce(policy, now: systemMillis() / 1000, uplinks: uplinks)
                if report.droppedUndelivered > 0 {
                    logger.warning(
                        "store full: dropped \(report.droppedUndelivered) undelivered bins (recorded as \(report.gaps.count) dropped ranges) and \(report.deletedDelivered) delivered ones"
                    )
                } else if report.deletedDelivered > 0 {
                    logger.info(
                        "store: removed \(report.deletedDelivered) delivered bins to stay within its limits")
                }
                lastError = nil
            } catch {
                if "\(error)" != lastError {
                    logger.error("cannot keep the store within its limits: \(error)")
                }
                lastError = "\(error)"
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}

/// Feeds systemd's watchdog while every sensor loop is turning, and says STOPPING on shutdown.
struct Supervisor: Service {
    let board: StatusBoard
    let notifier: SystemdNotifier
    let watchdogMicroseconds: UInt64?
    let logger: Logger

    func run() async throws {
        let interval = Duration.microseconds(Int64(watchdogMicroseconds ?? 10_000_000) / 2)
        var lastStatus = ""
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            let now = monotonicSeconds()
            let reports = board.reports
            // A loop that has not turned for 10 s is hung: let systemd restart us.
            let hung = reports.filter { $0.heartbeat > 0 && now - $0.heartbeat > 10 }
            if hung.isEmpty {
                if watchdogMicroseconds != nil { notifier.watchdog() }
            } else {
                logger.critical(
                    "sensor loop hung: \(hung.map(\.name).joined(separator: ", ")); withholding the watchdog")
            }
            let status = reports.map { "\($0.name) \($0.health.link.rawValue)" }.joined(separator: ", ")
            if status != lastStatus {
                notifier.status(status)
                lastStatus = status
            }
        }
        notifier.stopping()
    }
}
