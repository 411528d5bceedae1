import ArgumentParser
import Control
import Foundation

/// `passant monitor`: a live view of one sensor, redrawn in place — channel states or distances, or
/// for a LiDAR a top view of the scan and the people tracked; crossings as they happen; counts since
/// start. Fits an 80×24 terminal over SSH.
struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch a sensor live: channels, distances or the LiDAR scan, and crossings as they happen.",
        discussion: """
            Through the running passantd, or by opening the sensor's port when passantd is stopped. \
            Nothing shown here is stored or sent anywhere. Ctrl-C stops.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Option(help: "The sensor to watch (default: all, or the only one).")
    var sensor: String?

    @Option(help: "Stop after this many seconds (default: until Ctrl-C).")
    var duration: Double?

    @Flag(help: "Print one line per event instead of redrawing the screen (for logs and scripts).")
    var plain = false

    func run() throws {
        let source = LiveSource(
            socketPath: try socket.path(config: options.config),
            configPath: options.config ?? "/etc/passant/passant.yaml")
        let deadline = duration.map { Date().addingTimeInterval($0) }
        var view = MonitorView()
        var lastDraw = Date.distantPast
        try source.run(
            sensor: sensor,
            started: { origin in
                view.origin = origin.description
                if plain { print("watching \(sensor ?? "every sensor") from \(origin)") }
                fflush(nil)
            },
            tick: {
                if !plain, Date().timeIntervalSince(lastDraw) > 0.5 {
                    view.draw()
                    lastDraw = Date()
                }
                return deadline.map { Date() < $0 } ?? true
            },
            each: { message in
                view.apply(message)
                if plain {
                    if let line = MonitorView.line(message) {
                        print(line)
                        fflush(nil)
                    }
                } else if Date().timeIntervalSince(lastDraw) > 0.1 {
                    view.draw()
                    lastDraw = Date()
                }
                return true
            })
        if plain {
            print("counted: " + view.totals)
        }
    }
}

/// The monitor's screen.
struct MonitorView {
    var origin = ""
    var channels: [String: [Bool]] = [:]
    var distances: [String: [Int?]] = [:]
    var scans: [String: TopView.Scan] = [:]
    var counts: [String: [String: Int]] = [:]
    var labels: [String: String] = [:]
    var recent: [String] = []

    mutating func apply(_ message: LiveMessage) {
        switch message.kind {
        case .channels: channels[message.sensor] = message.channels
        case .distances: distances[message.sensor] = message.distances
        case .scan: scans[message.sensor] = TopView.Scan(message)
        case .crossing:
            let direction = message.direction ?? "?"
            counts[message.sensor, default: [:]][direction, default: 0] += 1
            labels[direction] = message.label
            recent.append(Self.line(message) ?? "")
            if recent.count > 6 { recent.removeFirst(recent.count - 6) }
        case .link:
            recent.append("\(Self.clock()) \(message.sensor) link \(message.link ?? "?")")
        }
    }

    var totals: String {
        counts.keys.sorted().map { sensor in
            let directions = counts[sensor]!.keys.sorted().map { direction in
                "\(labels[direction] ?? direction) (\(direction)) \(counts[sensor]![direction]!)"
            }
            return "\(sensor): " + directions.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// One event as a line of text, for `--plain` and the list of recent crossings.
    static func line(_ message: LiveMessage) -> String? {
        switch message.kind {
        case .crossing:
            return
                "\(clock()) \(message.sensor) crossing \(message.label ?? "?") (\(message.direction ?? "?"))"
        case .channels:
            let states = (message.channels ?? []).map { $0 ? "occupied" : "clear" }
            return "\(clock()) \(message.sensor) channels A \(states.first ?? "?") B \(states.last ?? "?")"
        case .distances:
            let values = (message.distances ?? []).map { $0.map { "\($0) mm" } ?? "no return" }
            return "\(clock()) \(message.sensor) distances A \(values.first ?? "?") B \(values.last ?? "?")"
        case .link:
            return "\(clock()) \(message.sensor) link \(message.link ?? "?")"
        case .scan:
            return nil
        }
    }

    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }

    func draw() {
        var screen = "\u{1B}[H\u{1B}[J"
        screen += "passant monitor · \(origin) · Ctrl-C stops · \(Self.clock())\n\n"
        for (sensor, states) in channels.sorted(by: { $0.key < $1.key }) {
            let cells = states.map { $0 ? "██████ occupied" : "░░░░░░ clear   " }
            screen += "  \(sensor)   A \(cells.first ?? "")    B \(cells.last ?? "")\n"
        }
        for (sensor, values) in distances.sorted(by: { $0.key < $1.key }) {
            for (name, value) in zip(["A", "B"], values) {
                let metres = value.map { Double($0) / 1000 }
                let bar = metres.map { String(repeating: "▇", count: min(40, Int($0 * 4))) } ?? "(no return)"
                screen +=
                    "  \(sensor)   \(name) \(metres.map { String(format: "%5.2f m", $0) } ?? "   –   ") \(bar)\n"
            }
        }
        for (sensor, scan) in scans.sorted(by: { $0.key < $1.key }) {
            screen += "  \(sensor): \(scan.tracks.count) people tracked\n"
            screen += TopView.render(scan, width: 72, height: 8)
        }
        screen += "\n  counted since start: \(totals.isEmpty ? "nobody yet" : totals)\n\n"
        for line in recent { screen += "  \(line)\n" }
        print(screen, terminator: "")
        fflush(nil)
    }
}
