import ArgumentParser
import CountBins
import Foundation
import PassantConfig
import Store

/// `passant export`: the stored bins, for a time range, as CSV or JSON lines.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print stored bins as CSV or JSON lines.",
        discussion:
            "Reads the database named in the configuration (or --db). Times are UTC; --to is exclusive.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The database file, instead of the configuration's store.path.")
    var db: String?

    @Option(help: "Only bins starting at or after this instant (ISO 8601 or a date).")
    var from: String?

    @Option(help: "Only bins starting before this instant (ISO 8601 or a date).")
    var to: String?

    @Option(help: "Only this sensor.")
    var sensor: String?

    @Option(help: "json (one object per line) or csv.")
    var format: String = "json"

    func validate() throws {
        guard BinFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be json or csv")
        }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, UTCTime.parseMillis(value) == nil {
                throw ValidationError(
                    "\(name) '\(value)' is not an ISO 8601 time like 2026-06-01T08:00:00Z or a date")
            }
        }
    }

    func run() throws {
        let path =
            try db ?? loadConfiguration(options.config ?? PassantConfig.Configuration.defaultPath).store.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path); is passantd configured to store there?")
        }
        let store = try BinStore(path: path)
        let bins = try store.bins(
            from: from.flatMap(UTCTime.parseMillis).map { $0 / 1000 },
            to: to.flatMap(UTCTime.parseMillis).map { $0 / 1000 }, sensor: sensor)
        let format = BinFormat(rawValue: format)!
        var output = format == .csv ? BinFormat.csvHeader + "\n" : ""
        for bin in bins { output += format.line(bin) + "\n" }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
