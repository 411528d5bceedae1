import ArgumentParser
import PassantDaemon

/// passant: the technician's tool for a counting site.
@main
struct Passant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passant",
        abstract: "Check, calibrate, replay and export a passant counting site.",
        version: Daemon.version,
        subcommands: [
            Status.self, Monitor.self, WalkTest.self, Node.self, Ports.self, Probe.self, Calibrate.self,
            Config.self, Replay.self, Export.self, Privacy.self,
        ])
}

/// Where the configuration comes from, shared by the commands that read it.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (default /etc/passant/passant.yaml).")
    var config: String?
}
