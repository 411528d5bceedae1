import ArgumentParser
import Control
import CountBins
import Foundation
import PassantConfig
import PassantDaemon
import Store

/// `passant status`: is the site counting? The daemon, each sensor, each uplink, the store, and
/// today's counts with an hourly chart. Through the control socket while passantd runs; from the
/// store alone when it does not.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon, its sensors and uplinks, the store and today's counts.",
        discussion: """
            Asks the running passantd over its control socket. When passantd is not running, shows \
            what the store holds (today's counts, each uplink's queue) and exits with status 3.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Flag(help: "Print the status as one JSON object.")
    var json = false

    func run() throws {
        let client = ControlClient(path: try socket.path(config: options.config))
        do {
            guard let report = try client.request(ControlRequest(.status)).status else {
                throw CommandFailure("passantd sent no status")
            }
            if json {
                print(String(decoding: try JSONEncoder.passant.encode(report), as: UTF8.self))
            } else {
                print(StatusText.render(report), terminator: "")
            }
        } catch let error as ControlError where error.kind == .notRunning {
            let report = try offlineReport()
            if json {
                print(String(decoding: try JSONEncoder.passant.encode(report), as: UTF8.self))
            } else {
                print("passantd: not running (\(client.path) does not answer)\n")
                print(StatusText.render(report, running: false), terminator: "")
            }
            throw ExitCode(3)
        } catch let error as ControlError {
            throw CommandFailure(error.message)
        }
    }

    /// What the store says while the daemon is stopped: today's counts and each uplink's queue.
    private func offlineReport() throws -> StatusReport {
        let configuration = try loadConfiguration(options.config ?? PassantConfig.Configuration.defaultPath)
        let store = try? BinStore(path: configuration.store.path)
        let today = StoredStatus.today(configuration, in: store)
        let uplinks = configuration.uplinks.map { StoredStatus.uplink($0.name, in: store) }
        return StatusReport(
            version: "not running", uptimeSeconds: 0, site: configuration.site, node: configuration.node,
            binSeconds: configuration.binLength.rawValue, sensors: [], uplinks: uplinks,
            store: StatusReport.Store(
                path: configuration.store.path, bytes: try? store?.sizeInBytes,
                maxBytes: configuration.store.maxBytes, heldBins: StoredStatus.held(in: store)),
            today: today)
    }
}

/// Where the daemon's control socket is: `--socket`, else the configuration's `control_socket`.
struct SocketOptions: ParsableArguments {
    @Option(
        help:
            "The daemon's control socket (default: the configuration's control_socket, /run/passant/control.sock)."
    )
    var socket: String?

    func path(config: String?) throws -> String {
        if let socket { return socket }
        let file = config ?? PassantConfig.Configuration.defaultPath
        guard FileManager.default.fileExists(atPath: file) else { return ControlClient.defaultPath }
        guard let path = try loadConfiguration(file).controlSocket else {
            throw ValidationError("\(file) sets control_socket: none; passantd offers no control socket")
        }
        return path
    }
}
