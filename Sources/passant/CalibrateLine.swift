import ArgumentParser
import Control
import Counting
import Foundation
import PassantConfig

/// `passant calibrate line`: set an LD06's counting line (and region) by coordinates, or by walking it.
struct CalibrateLine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line",
        abstract: "Set an LD06's counting line and region: by coordinates, or by walking the line.",
        discussion: """
            Coordinates are metres in the sensor's frame: x = d cos(t) and y = -d sin(t) for a return at \
            distance d and raw angle t (x points along the sensor's zero angle). Side A is on the right looking from the \
            line's first point to its second; a_to_b counts people crossing from A to B.

            With --walk, walk once, alone and at an easy pace, along where the line should be, from its \
            first end to its second (the facade to the kerb, say). The positions the LiDAR tracks are \
            fitted with a straight segment, which is proposed; --yes writes it without asking. \
            `passant monitor` shows the line, the region and the sides afterwards.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Option(help: "The ld06 sensor (default: the only one in the configuration).")
    var sensor: String?

    @Option(help: ArgumentHelp("The line's first end (P), metres.", valueName: "x,y"))
    var from: String?

    @Option(help: ArgumentHelp("The line's second end (Q), metres.", valueName: "x,y"))
    var to: String?

    @Option(help: ArgumentHelp("The region's corners, at least three, metres.", valueName: "x,y;x,y;x,y..."))
    var region: String?

    @Flag(help: "Propose the line from a walk along it, seen by the sensor.")
    var walk = false

    @Option(help: "With --walk: seconds to wait for the walk to start and end.")
    var seconds: Double = 60

    @Flag(help: "Write without asking.")
    var yes = false

    @Flag(help: "Print the line without writing it.")
    var dryRun = false

    func validate() throws {
        if walk && (from != nil || to != nil) {
            throw ValidationError("choose --walk or --from/--to, not both")
        }
        if !walk && (from == nil) != (to == nil) { throw ValidationError("give both --from and --to") }
        if !walk && from == nil && region == nil {
            throw ValidationError("give --from and --to, --region, or --walk")
        }
        guard seconds >= 5 && seconds <= 600 else { throw ValidationError("--seconds must be 5-600") }
    }

    func run() throws {
        let path = options.config ?? PassantConfig.Configuration.defaultPath
        let configuration = try loadConfiguration(path)
        let lidars = configuration.sensors.filter { $0.protocol == .ld06 }
        guard
            let chosen = sensor.map({ name in lidars.first { $0.name == name } })
                ?? (lidars.count == 1 ? lidars[0] : nil)
        else {
            throw ValidationError(
                lidars.isEmpty
                    ? "\(path) has no ld06 sensor; only a LiDAR has a counting line to set"
                    : "name the ld06 sensor with --sensor: \(lidars.map(\.name).joined(separator: ", "))")
        }
        var edits: [(key: String, value: String)] = []
        if walk {
            let line = try walkLine(sensor: chosen.name, configPath: path)
            print(
                "walked \(WalkedLine.format(line.length)) m, \(line.positions) positions, \(WalkedLine.format(line.residual)) m from straight on average"
            )
            edits.append(("line", line.yaml))
        } else if let from, let to {
            let p = try Self.point(from, option: "--from")
            let q = try Self.point(to, option: "--to")
            guard (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) >= 0.01 else {
                throw ValidationError("--from and --to must be at least 0.1 m apart")
            }
            edits.append(("line", WalkedLine.yaml([p, q])))
        }
        if let region {
            let corners = try region.split(separator: ";").map {
                try Self.point(String($0), option: "--region")
            }
            guard corners.count >= 3 else { throw ValidationError("--region needs at least three corners") }
            edits.append(("region", WalkedLine.yaml(corners)))
        }
        for edit in edits { print("\(edit.key): \(edit.value)") }
        if dryRun { return }
        if !yes {
            guard isatty(STDIN_FILENO) != 0 else {
                throw ValidationError("not a terminal: pass --yes to write \(path), or --dry-run")
            }
            print("write this to \(chosen.name) in \(path)? [y/N] ", terminator: "")
            fflush(nil)
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                print("nothing written")
                return
            }
        }
        let original = try String(contentsOfFile: path, encoding: .utf8)
        for edit in edits { try ConfigEdit.set([edit.key], to: edit.value, sensor: chosen.name, in: path) }
        do {
            _ = try PassantConfig.Configuration.load(path: path, defaultNode: hostName())
        } catch {
            try original.write(toFile: path, atomically: true, encoding: .utf8)
            throw ValidationError(
                "the new line makes the configuration unusable, so \(path) is unchanged:\n\(error)")
        }
        print("wrote \(path)")
        print(RunningDaemon(socket: try socket.path(config: options.config)).reload(sensor: chosen.name))
    }

    /// Follows the one person in view from the live feed until they have walked and left (or stood
    /// still for 3 s), and fits their path.
    private func walkLine(sensor: String, configPath: String) throws -> WalkedLine {
        let source = LiveSource(socketPath: try socket.path(config: options.config), configPath: configPath)
        var positions: [(x: Double, y: Double)] = []
        var crowded = 0
        var lastSeen: Date?
        let deadline = Date().addingTimeInterval(seconds)
        try source.run(
            sensor: sensor,
            started: { origin in
                print(
                    "watching \(sensor) through \(origin): walk the line now, alone, from its first end to its second"
                )
                fflush(nil)
            },
            tick: {
                if let lastSeen, Date().timeIntervalSince(lastSeen) > 3 { return false }
                return Date() < deadline
            },
            each: { message in
                guard message.kind == .scan, let tracks = message.tracks else { return true }
                if tracks.count > 1 { crowded += 1 }
                guard tracks.count == 1 else { return true }
                let track = tracks[0]
                // Only where the sensor sees the body: a track coasts on after the walker has left.
                let seen = (message.points ?? []).count {
                    ($0[0] - track[0]) * ($0[0] - track[0]) + ($0[1] - track[1]) * ($0[1] - track[1]) < 0.25
                }
                let moving = (track[2] * track[2] + track[3] * track[3]).squareRoot() > 0.2
                if seen >= 2, moving || positions.isEmpty {
                    positions.append((track[0], track[1]))
                    lastSeen = Date()
                }
                return true
            })
        if crowded > positions.count {
            print("warning: more than one person was in view for much of the walk; check the proposal")
        }
        do {
            return try WalkedLine(fitting: positions).extended(by: WalkedLine.endAllowance)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    static func point(_ text: String, option: String) throws -> (x: Double, y: Double) {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1], x.isFinite, y.isFinite else {
            throw ValidationError("\(option) takes x,y in metres, like 0.3,-1.5; got '\(text)'")
        }
        return (x, y)
    }
}
