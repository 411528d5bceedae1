// Command-line options, grouped as in `--help`.

import ArgumentParser
import PCNT
import PassantSimulator

#if canImport(Glibc)
    import Glibc
#endif

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

    @Option(
        name: .customLong("node"),
        help: ArgumentHelp(
            "Which node speaks: 'sim' (the simulator's own renderer) or 'qemu' (the real firmware, "
                + "Hardware/firmware, in qemu-system-arm; its own node id and firmware version).",
            valueName: "sim|qemu"))
    var implementation = "sim"

    @Option(
        help: ArgumentHelp(
            "The firmware image for --node qemu (default: .build/firmware/qemu-mps2-an386.elf of this "
                + "checkout, built by Hardware/firmware/build).", valueName: "elf"))
    var firmwareImage: String?

    /// What cannot be combined with the node chosen.
    func problems(faults: NodeFaults) -> [String] {
        guard implementation == "qemu" else {
            return implementation == "sim" ? [] : ["--node must be 'sim' or 'qemu', not '\(implementation)'"]
        }
        var problems: [String] = []
        if tickOffset != 0 || seqOffset != 0 {
            problems.append("--tick-offset and --seq-offset need --node sim")
        }
        if faults.dropProbability > 0 || faults.corruptProbability > 0 || faults.garbageBurstsPerHour > 0
            || !faults.reboots.isEmpty
        {
            problems.append("--drop-rate, --corrupt-rate, --garbage-per-hour and --reboot-at need --node sim")
        }
        return problems
    }

    /// The firmware image: given, or the one Hardware/firmware/build made in this checkout's .build.
    func image() throws -> String {
        if let firmwareImage { return firmwareImage }
        // The executable lives in .build/<triple>/<configuration>/; the image in .build/firmware/.
        var directory = SystemCalls.executablePath()
        for _ in 0..<4 {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
            let candidate = directory + "/firmware/qemu-mps2-an386.elf"
            if access(candidate, R_OK) == 0 { return candidate }
        }
        throw ValidationError(
            "no firmware image found next to \(SystemCalls.executablePath()): build it with "
                + "Hardware/firmware/build, or give --firmware-image")
    }
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

func standardOutput(_ line: String) {
    SystemCalls.writeLine(line, to: 1)
}

func standardError(_ line: String) {
    SystemCalls.writeLine(line, to: 2)
}
