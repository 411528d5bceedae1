import ArgumentParser
import CountBins
import Counting
import Foundation
import Logging
import PassantConfig
import PassantDaemon

/// passantd: counts pedestrians from the sensors in its configuration and keeps anonymous bins.
@main
struct Passantd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passantd",
        abstract: "Count pedestrians from serial counters and store anonymous count bins.",
        discussion: """
            Reads the sensors named in the configuration file, counts who walked which way, and stores \
            nothing but per-bin counts in SQLite. Stops gracefully on SIGTERM or SIGINT, storing the open \
            bin. Exit status 78 means the configuration is wrong; every problem is printed with its line.
            """,
        version: Daemon.version)

    /// One malloc arena for every thread: glibc gives each thread that allocates an arena of its own,
    /// whose touched pages stay resident; passantd's few threads allocate little and rarely at once,
    /// so sharing one costs nothing measurable and keeps about 0.6 MB off a small gateway
    /// (`scripts/field-figures`). Set before any other thread starts.
    static func main() async {
        #if os(Linux)
            _ = mallopt(-8 /* M_ARENA_MAX, <malloc.h> */, 1)
        #endif
        await main(nil)
    }

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = PassantConfig.Configuration.defaultPath

    @Option(
        name: .customLong("sensor-epoch"),
        help: ArgumentHelp(
            "Stamp bins from the sensors' own clocks, node tick 0 being this instant (ISO 8601), instead of the system clock.",
            discussion: "For simulated nodes and tests: `passant-sim --start` with the same instant."))
    var sensorEpoch: String?

    @Option(
        help: ArgumentHelp(
            "How to tell that the system clock is set: auto, assume, or a file that exists once it is.",
            discussion: """
                auto (the default, or $PASSANT_TIME_SYNC): systemd-timesyncd's marker, else the kernel's NTP \
                status. Until then bins are held, flagged clock-unsynchronised, and moved once time is known.
                """,
            valueName: "how"))
    var timeSync: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let toJournal = environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level, toJournal: toJournal) }
        let logger = Logger(label: "passantd")

        let configuration: PassantConfig.Configuration
        do {
            configuration = try PassantConfig.Configuration.load(path: config, defaultNode: hostName())
        } catch {
            FileHandle.standardError.write(Data("passantd: configuration not usable:\n\(error)\n".utf8))
            throw ExitCode(78)
        }
        var clock = ClockAnchor.Mode.systemClock
        if let sensorEpoch {
            guard let epoch = UTCTime.parseMillis(sensorEpoch) else {
                throw ValidationError(
                    "--sensor-epoch '\(sensorEpoch)' is not an ISO 8601 time like 2026-06-01T08:00:00Z")
            }
            clock = .fixed(epoch: epoch)
        }
        do {
            let (path, node) = (config, hostName())
            try await Daemon.run(
                configuration: configuration, clock: clock, environment: environment, logger: logger,
                reread: { try PassantConfig.Configuration.load(path: path, defaultNode: node) },
                timeSync: TimeSynchronisation(timeSync ?? environment["PASSANT_TIME_SYNC"] ?? "auto"))
        } catch let error as Daemon.ConfigurationError {
            FileHandle.standardError.write(Data("passantd: configuration not usable:\n\(error)\n".utf8))
            throw ExitCode(78)
        } catch {
            throw ExitCode(74)
        }
    }
}

#if os(Linux)
    /// glibc's mallopt(3); <malloc.h> is not part of the Glibc module.
    @_silgen_name("mallopt")
    private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
