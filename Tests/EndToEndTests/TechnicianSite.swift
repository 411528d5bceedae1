import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the technician's commands run against: a sensor simulated on a pty, and passantd counting it
/// with its control socket in a temporary directory.
struct TechnicianSite {
    let directory: URL
    let config: URL
    let simulator: Program
    var daemon: Program?

    /// Starts `passant-sim --pty` with `simulatorArguments` and writes a configuration whose one sensor
    /// is `sensor(pty)`: the lines of its entry under `sensors:`, without indentation.
    static func start(
        _ simulatorArguments: [String], in directory: URL? = nil, sensor: (String) -> String
    ) async throws -> TechnicianSite {
        let directory = try directory ?? temporaryDirectory()
        let simulator = try Program("passant-sim", ["--pty"] + simulatorArguments)
        let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
        let config = directory.appendingPathComponent("passant.yaml")
        let entry = sensor(pty).split(separator: "\n").enumerated()
            .map { ($0.offset == 0 ? "  - " : "    ") + $0.element }.joined(separator: "\n")
        try """
        # A test site.
        site: ladder
        node: gw
        bin_seconds: 60
        grace_seconds: 2
        control_socket: \(directory.path)/control.sock
        store: {path: \(directory.path)/passant.db}
        sensors:
        \(entry)
        """.write(to: config, atomically: true, encoding: .utf8)
        return TechnicianSite(directory: directory, config: config, simulator: simulator)
    }

    mutating func startDaemon() async throws {
        let daemon = try Program("passantd", ["--config", config.path])
        try await daemon.log(containing: "control socket", within: 20)
        self.daemon = daemon
    }

    /// Runs `passant ARGUMENTS --config CONFIG`: status, output, errors.
    func passant(_ arguments: [String], within seconds: Double = 90) async throws -> (Int32, String, String) {
        try await run("passant", arguments + ["--config", config.path], within: seconds)
    }

    func stop() async throws {
        if let daemon {
            daemon.signal(SIGTERM)
            _ = try await daemon.exit(within: 20)
        }
        simulator.signal(SIGTERM)
        _ = try? await simulator.exit(within: 10)
        try? FileManager.default.removeItem(at: directory)
    }
}
