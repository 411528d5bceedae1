import ArgumentParser
import CountBins
import Foundation
import PassantConfig
import Store

/// `passant privacy audit`: what the gateway stores and would send, and whether it keeps its policy.
struct Privacy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Review what this gateway stores and sends.", subcommands: [Audit.self])

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show exactly what the database holds and what would be sent, and check the privacy policy.",
            discussion: """
                Reads the database (store.path of the configuration, or --db): its tables and columns as SQLite \
                describes them, row counts, the bin lengths (the finest time it holds), the bins the policy \
                suppressed or noised, and the exact MQTT payload and SensorThings body of the newest bin. \
                Exit status 0 when nothing is wrong (warnings allowed), 1 when a problem is found.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(help: "The database file, instead of the configuration's store.path.")
        var db: String?

        @Flag(help: "Print the result as one JSON object.")
        var json = false

        func run() throws {
            let configPath = options.config ?? PassantConfig.Configuration.defaultPath
            var configuration: PassantConfig.Configuration?
            if options.config != nil || db == nil || FileManager.default.fileExists(atPath: configPath) {
                configuration = try loadConfiguration(configPath)
            }
            guard let path = db ?? configuration?.store.path else {
                throw ValidationError("give --config or --db")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no database at \(path); is passantd configured to store there?")
            }
            let store = try BinStore(path: path)
            let minimum = configuration?.privacy.minimumCount ?? 1
            let inventory = try store.inventory(
                minimumCount: minimum, now: Int64(Date().timeIntervalSince1970))
            let report = PrivacyAuditReport(
                database: path, inventory: inventory, configuration: configuration)
            print(json ? report.json() : report.text(), terminator: "")
            if !report.problems.isEmpty { throw ExitCode(1) }
        }
    }
}
