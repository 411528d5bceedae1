import ArgumentParser
import PassantDaemon

/// passant: the technician's tool for a counting site.
@main
struct Passant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passant",
        abstract: "Check, replay and export a passant counting site.",
        version: Daemon.version,
        subcommands: [Replay.self, Export.self, Calibrate.self])
}

/// Where the configuration comes from, shared by the commands that read it.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (default /etc/passant/passant.yaml).")
    var config: String?
}
