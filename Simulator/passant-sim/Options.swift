// Command-line options, grouped as in `--help`.

import ArgumentParser
import PCNT
import PassantSimulator
import TFmini

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

    @Option(help: ArgumentHelp("People per hour walking A->B.", valueName: "per-hour"))
    var rateAToB: Double?

    @Option(help: ArgumentHelp("People per hour walking B->A.", valueName: "per-hour"))
    var rateBToA: Double?

    @Option(help: ArgumentHelp("Share of arrivals that are side-by-side pairs (0-1).", valueName: "share"))
    var pairs: Double?

    @Option(help: ArgumentHelp("Share of arrivals that are groups of 3-4 (0-1).", valueName: "share"))
    var groups: Double?

    @Option(
        help: ArgumentHelp(
            "Share of single walkers who stop in the beams for 1-8 s (0-1).", valueName: "share"))
    var pauses: Double?

    @Option(
        help: ArgumentHelp("Share of single walkers who turn back in the beams (0-1).", valueName: "share"))
    var turnbacks: Double?

    @Option(help: ArgumentHelp("Distance between beam A and beam B in metres.", valueName: "metres"))
    var spacing: Double?

    @Option(help: ArgumentHelp("Walks each way in the walk-test scenario (default 5).", valueName: "n"))
    var walks: Int?

    @Flag(help: "The walk test starts from the B side (what beams wired the wrong way round see).")
    var walksReversed = false

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
        if let walks {
            guard parameters.walkTest != nil else {
                throw ValidationError("--walks goes with --scenario walk-test")
            }
            guard (1...100).contains(walks) else { throw ValidationError("--walks must be 1 to 100") }
            parameters.walkTest = walks
        }
        if walksReversed {
            guard parameters.walkTest != nil else {
                throw ValidationError("--walks-reversed goes with --scenario walk-test")
            }
            parameters.walkTestReversed = true
        }
        return parameters
    }
}

struct NodeOptions: ParsableArguments {
    @Option(help: "Node id in HELLO.")
    var nodeID = "sim-1"

    @Option(help: "Firmware version in HELLO.")
    var firmware = "sim-1.0.0"

    @Option(help: "Debounce in milliseconds (0-200).")
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

    @Option(
        help: ArgumentHelp(
            "Rangefinders: the low sun in a sensor: CHANNEL:START:DURATION in seconds, e.g. B:600:20 (repeatable).",
            valueName: "glare"))
    var glare: [String] = []

    @Option(help: ArgumentHelp("Probability that a sentence is lost (seq gap).", valueName: "p"))
    var dropRate: Double = 0

    @Option(help: ArgumentHelp("Probability that a sentence has a damaged byte (bad CRC).", valueName: "p"))
    var corruptRate: Double = 0

    @Option(help: ArgumentHelp("Bursts of random bytes per hour.", valueName: "n"))
    var garbagePerHour: Double = 0

    @Option(help: ArgumentHelp("Watchdog reboot at this many seconds (repeatable).", valueName: "seconds"))
    var rebootAt: [Double] = []

    func faults() throws -> NodeFaults {
        func period(_ text: String, _ option: String) throws -> StuckBeam {
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 3, let channel = Channel(rawValue: parts[0].uppercased()),
                let start = Double(parts[1]), let duration = Double(parts[2]), start >= 0, duration > 0
            else {
                throw ValidationError("\(option) '\(text)' is not CHANNEL:START:DURATION, e.g. A:120:60")
            }
            return StuckBeam(
                channel: channel, start: Int64((start * 1000).rounded()),
                duration: Int64((duration * 1000).rounded()))
        }
        let glarePeriods = try glare.map { try period($0, "--glare") }
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
        var faults = NodeFaults(
            stuck: stuckBeams, dropProbability: dropRate, corruptProbability: corruptRate,
            garbageBurstsPerHour: garbagePerHour, reboots: rebootAt.map { Int64(($0 * 1000).rounded()) })
        faults.glare = glarePeriods
        return faults
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

    @Option(help: ArgumentHelp("Turns per second, 5-13.", valueName: "hz"))
    var rotationHz: Double = 10

    @Option(help: ArgumentHelp("Probability that a sample has no return.", valueName: "p"))
    var dropout: Double = 0.01

    @Option(
        help: ArgumentHelp(
            "ld06: a technician walks from one point to another (metres, sensor frame) at 0.8 m/s.",
            valueName: "x,y:x,y"))
    var walkLine: String?

    @Option(help: ArgumentHelp("ld06: when the --walk-line walk starts (s).", valueName: "seconds"))
    var walkLineAt: Double = 3

    func settings(scenario name: String, faults: FaultOptions) throws -> LD06Settings {
        guard (5...13).contains(rotationHz) else { throw ValidationError("--rotation-hz must be 5-13") }
        guard (0...1).contains(dropout) else { throw ValidationError("--dropout must be between 0 and 1") }
        let rate = cyclists ?? Scenario.named(name)?.cyclistsPerHour ?? 0
        return LD06Settings(
            rotationHz: rotationHz, dropout: dropout, cyclistsPerHourAToB: rate, cyclistsPerHourBToA: rate,
            corruptProbability: faults.corruptRate, surveyor: try walkLine.map { try Self.surveyor($0, start: walkLineAt) })
    }
}

extension LidarOptions {
    static func surveyor(_ text: String, start: Double) throws -> Surveyor {
        let ends = text.split(separator: ":").map { $0.split(separator: ",").compactMap { Double($0) } }
        guard ends.count == 2, ends.allSatisfy({ $0.count == 2 }) else {
            throw ValidationError("--walk-line takes x,y:x,y in metres, like 0.3,0:3.2,0; got '\(text)'")
        }
        return Surveyor(from: (ends[0][0], ends[0][1]), to: (ends[1][0], ends[1][1]), start: start)
    }
}

func standardOutput(_ line: String) {
    SystemCalls.writeLine(line, to: 1)
}

func standardError(_ line: String) {
    SystemCalls.writeLine(line, to: 2)
}

struct SensorOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "What to simulate: ir2 (a PCNT node with two beams), tof2 (a PCNT node with two rangefinders) or tfmini-pair (two TFmini-family sensors on two links).",
            valueName: "kind"))
    var kind = "ir2"

    @Option(help: ArgumentHelp("Rangefinders: distance to the opposite wall in metres.", valueName: "metres"))
    var wall: Double = 3.0

    @Flag(help: "Rangefinders: nothing opposite within range (no return when the walkway is empty).")
    var open = false

    @Option(help: ArgumentHelp("Rangefinders: share of light the wall returns (0.01-1).", valueName: "share"))
    var wallReflectivity: Double = 0.5

    @Option(
        help: ArgumentHelp(
            "tfmini-pair: model on link A: tfmini-s, tfmini-plus or tf-luna.", valueName: "model"))
    var modelA = "tfmini-s"

    @Option(help: ArgumentHelp("tfmini-pair: model on link B.", valueName: "model"))
    var modelB = "tfmini-s"

    @Option(help: "tfmini-pair: frames per second at start (the frame-rate command changes it).")
    var frameRate: UInt16 = 100

    @Option(help: "tfmini-pair: firmware version the sensors report, MAJOR.MINOR.PATCH.")
    var tfminiVersion = "2.1.4"

    @Option(help: "tof2: sample pairs per second at start (rate_hz, 1-250).")
    var rateHz = 50

    enum Kind: String {
        case ir2
        case tof2
        case tfminiPair = "tfmini-pair"
    }

    func parsedKind() throws -> Kind {
        guard let kind = Kind(rawValue: kind) else {
            throw ValidationError("--kind '\(kind)' is not one of ir2, tof2, tfmini-pair")
        }
        return kind
    }

    func geometry() throws -> RangeGeometry {
        let geometry = RangeGeometry(wall: open ? nil : wall, wallReflectivity: wallReflectivity)
        let problems = geometry.problems
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
        return geometry
    }

    func models() throws -> (a: TFminiModel, b: TFminiModel) {
        func model(_ text: String, _ option: String) throws -> TFminiModel {
            guard let model = TFminiModel(rawValue: text) else {
                throw ValidationError("\(option) '\(text)' is not one of tfmini-s, tfmini-plus, tf-luna")
            }
            return model
        }
        return (try model(modelA, "--model-a"), try model(modelB, "--model-b"))
    }

    func version() throws -> TFminiVersion {
        let parts = tfminiVersion.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 3 else {
            throw ValidationError("--tfmini-version '\(tfminiVersion)' is not MAJOR.MINOR.PATCH, e.g. 2.1.4")
        }
        return TFminiVersion(major: parts[0], minor: parts[1], patch: parts[2])
    }

    func validate() throws {
        _ = try parsedKind()
        _ = try geometry()
        _ = try models()
        _ = try version()
        guard (1...250).contains(rateHz) else { throw ValidationError("--rate-hz must be 1-250") }
        guard (1...1000).contains(frameRate) else { throw ValidationError("--frame-rate must be 1-1000") }
    }
}
