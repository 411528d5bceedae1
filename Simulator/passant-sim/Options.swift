// Command-line options, grouped as in `--help`.

import ArgumentParser
import PCNT
import PassantSimulator

struct OutputOptions: ParsableArguments {
    @Flag(help: "Send to a new pseudo-terminal (the default).")
    var pty = false

    @Option(
        help: ArgumentHelp(
            "Listen on 127.0.0.1:PORT (0 picks a free port) and serve one client.", valueName: "port"))
    var tcp: UInt16?

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp("Write the raw bytes to a capture file.", valueName: "file"))
    var file: String?

    @Option(help: "Run N times faster than real time.")
    var speed: Double = 1

    @Flag(help: "Run as fast as possible (for capture files).")
    var fast = false

    @Option(help: "Seconds of simulated time.")
    var duration: Double = 3600

    @Option(
        help: ArgumentHelp(
            "UTC time of simulation time 0 (ISO 8601); default: when the run starts.", valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("Write the ground truth as JSON lines.", valueName: "file"))
    var truth: String?

    @Option(help: "Bin length of the ground truth: 60, 300, 900 or 3600 s.")
    var binSeconds = 60

    @Flag(help: "With a pty or TCP port, start at once instead of waiting for a reader.")
    var noWait = false

    enum Destination {
        case pty
        case tcp(UInt16)
        case file(String)
    }

    func destination() throws -> Destination {
        let chosen = [pty, tcp != nil, file != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose one of --pty, --tcp and --output") }
        if let tcp { return .tcp(tcp) }
        if let file { return .file(file) }
        return .pty
    }
}

struct WalkwayOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Named scenario: \(Scenario.all.map(\.name).joined(separator: ", ")).", valueName: "name"))
    var scenario = "moderate"

    @Option(help: "Seed of every random choice; the same seed gives the same bytes.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("People per hour walking A→B.", valueName: "per-hour"))
    var rateAToB: Double?

    @Option(help: ArgumentHelp("People per hour walking B→A.", valueName: "per-hour"))
    var rateBToA: Double?

    @Option(help: ArgumentHelp("Share of arrivals that are side-by-side pairs (0–1).", valueName: "share"))
    var pairs: Double?

    @Option(help: ArgumentHelp("Share of arrivals that are groups of 3–4 (0–1).", valueName: "share"))
    var groups: Double?

    @Option(
        help: ArgumentHelp(
            "Share of single walkers who stop in the beams for 1–8 s (0–1).", valueName: "share"))
    var pauses: Double?

    @Option(
        help: ArgumentHelp("Share of single walkers who turn back in the beams (0–1).", valueName: "share"))
    var turnbacks: Double?

    @Option(help: ArgumentHelp("Distance between beam A and beam B in metres.", valueName: "metres"))
    var spacing: Double?

    func parameters() throws -> WalkwayParameters {
        guard let scenario = Scenario.named(scenario) else {
            throw ValidationError(
                "unknown scenario '\(scenario)'; choose one of \(Scenario.all.map(\.name).joined(separator: ", "))"
            )
        }
        var parameters = scenario.walkway
        if let rateAToB { parameters.ratePerHourAToB = rateAToB }
        if let rateBToA { parameters.ratePerHourBToA = rateBToA }
        if let pairs { parameters.pairShare = pairs }
        if let groups { parameters.groupShare = groups }
        if let pauses { parameters.pauseShare = pauses }
        if let turnbacks { parameters.turnBackShare = turnbacks }
        if let spacing { parameters.spacing = spacing }
        return parameters
    }
}

struct NodeOptions: ParsableArguments {
    @Option(help: "Node id in HELLO.")
    var nodeID = "sim-1"

    @Option(help: "Firmware version in HELLO.")
    var firmware = "sim-1.0.0"

    @Option(help: "Debounce in milliseconds (0–200).")
    var debounceMs: Int64 = 20

    @Option(help: "Node tick at simulation time 0 (e.g. 4294960000 to see the tick wrap after ~7 s).")
    var tickOffset: UInt32 = 0

    @Option(help: "First sequence number (e.g. 65500 to see seq wrap soon).")
    var seqOffset: UInt16 = 0
}

struct FaultOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Beam stuck interrupted: CHANNEL:START:DURATION in seconds, e.g. A:120:60 (repeatable).",
            valueName: "stuck"))
    var stuck: [String] = []

    @Option(help: ArgumentHelp("Probability that a sentence is lost (seq gap).", valueName: "p"))
    var dropRate: Double = 0

    @Option(help: ArgumentHelp("Probability that a sentence has a damaged byte (bad CRC).", valueName: "p"))
    var corruptRate: Double = 0

    @Option(help: ArgumentHelp("Bursts of random bytes per hour.", valueName: "n"))
    var garbagePerHour: Double = 0

    @Option(help: ArgumentHelp("Watchdog reboot at this many seconds (repeatable).", valueName: "seconds"))
    var rebootAt: [Double] = []

    func faults() throws -> NodeFaults {
        let stuckBeams = try stuck.map { text -> StuckBeam in
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 3, let channel = Channel(rawValue: parts[0].uppercased()),
                let start = Double(parts[1]), let duration = Double(parts[2]), start >= 0, duration > 0
            else {
                throw ValidationError("--stuck '\(text)' is not CHANNEL:START:DURATION, e.g. A:120:60")
            }
            return StuckBeam(
                channel: channel, start: Int64((start * 1000).rounded()),
                duration: Int64((duration * 1000).rounded()))
        }
        return NodeFaults(
            stuck: stuckBeams, dropProbability: dropRate, corruptProbability: corruptRate,
            garbageBurstsPerHour: garbagePerHour, reboots: rebootAt.map { Int64(($0 * 1000).rounded()) })
    }
}

struct LidarOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The sensor to simulate: pcnt (an IR2 counter node) or ld06 (a 2D LiDAR on the facade).",
            valueName: "protocol"))
    var `protocol` = "pcnt"

    @Option(
        help: ArgumentHelp("Cyclists per hour each way (default: the scenario's).", valueName: "per-hour"))
    var cyclists: Double?

    @Option(help: ArgumentHelp("Turns per second, 5–13.", valueName: "hz"))
    var rotationHz: Double = 10

    @Option(help: ArgumentHelp("Probability that a sample has no return.", valueName: "p"))
    var dropout: Double = 0.01

    func settings(scenario name: String, faults: FaultOptions) throws -> LD06Settings {
        guard (5...13).contains(rotationHz) else { throw ValidationError("--rotation-hz must be 5–13") }
        guard (0...1).contains(dropout) else { throw ValidationError("--dropout must be between 0 and 1") }
        let rate = cyclists ?? Scenario.named(name)?.cyclistsPerHour ?? 0
        return LD06Settings(
            rotationHz: rotationHz, dropout: dropout, cyclistsPerHourAToB: rate, cyclistsPerHourBToA: rate,
            corruptProbability: faults.corruptRate)
    }
}

func standardOutput(_ line: String) {
    SystemCalls.writeLine(line, to: 1)
}

func standardError(_ line: String) {
    SystemCalls.writeLine(line, to: 2)
}
