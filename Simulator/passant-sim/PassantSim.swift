// passant-sim: plays a PCNT IR2 counter node, byte-exact, on a pseudo-terminal, a TCP port or into a
// capture file, with a reproducible walkway in front of it and the ground truth written alongside.

import ArgumentParser
import PCNT
import PassantSimulator
import TFmini

@main
struct PassantSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passant-sim",
        abstract:
            "Simulate a counter node, a rangefinder pair or an LD06 2D LiDAR, and score counts against the simulation's ground truth.",
        subcommands: [Run.self, Score.self],
        defaultSubcommand: Run.self)
}

/// `passant-sim [run]`: the simulated node.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Simulate a counter node or a rangefinder pair with pedestrians walking past it (the default).",
        discussion: """
            The first line on stdout says where the hardware is: `pty /dev/pts/N`, `tcp 127.0.0.1:PORT` or \
            `file PATH`; a tfmini-pair has two links, listed A then B on the same line. With ptys or TCP ports \
            the run (simulation time 0, node tick 0, `--start`) begins when every link has a reader (unless \
            --no-wait). After that the hardware talks whether or not anyone listens, like a real serial \
            line: bytes sent with no reader are discarded. Commands from the reader are answered by the \
            firmware emulation (PCNT Q/P/W/H/X; TFmini version, rate, output, format, save, reset). The \
            same scenario, seed and options give the same bytes.

            Scenarios: \(Scenario.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
            """)

    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Walkway") var walkway: WalkwayOptions
    @OptionGroup(title: "Sensor") var sensor: SensorOptions
    @OptionGroup(title: "Node") var node: NodeOptions
    @OptionGroup(title: "Faults") var faults: FaultOptions
    @OptionGroup(title: "LD06 (--protocol ld06)") var lidar: LidarOptions

    mutating func validate() throws {
        _ = try output.destination()
        guard output.duration > 0 else { throw ValidationError("--duration must be positive") }
        guard output.speed > 0 else { throw ValidationError("--speed must be positive") }
        guard [60, 300, 900, 3600].contains(output.binSeconds) else {
            throw ValidationError("--bin-seconds must be 60, 300, 900 or 3600, not \(output.binSeconds)")
        }
        if let start = output.start, UTCTime.parse(start) == nil {
            throw ValidationError("--start '\(start)' is not an ISO 8601 time like 2025-06-01T12:00:00Z")
        }
        guard ["pcnt", "ld06"].contains(lidar.protocol) else {
            throw ValidationError("--protocol \(lidar.protocol) is not simulated; choose pcnt or ld06")
        }
        var problems = try walkway.parameters().problems + nodeConfiguration().problems
        problems += node.problems(faults: try faults.faults())
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func nodeConfiguration() throws -> NodeConfiguration {
        NodeConfiguration(
            nodeID: node.nodeID, firmware: node.firmware, debounceMillis: node.debounceMs,
            tickOffset: node.tickOffset,
            seqOffset: node.seqOffset, faults: try faults.faults())
    }

    func simulatedSensor(end: Int64) throws -> SimulatedSensor {
        let parameters = try walkway.parameters()
        let nodeConfiguration = try nodeConfiguration()
        if node.implementation == "qemu" {
            let settings = nodeConfiguration
            let signals = BeamSignals(
                generator: PedestrianGenerator(parameters: parameters, seed: walkway.seed),
                spacing: parameters.spacing, stuck: settings.faults.stuck)
            return .firmware(
                try FirmwareNode(
                    image: try node.image(), signals: signals, end: end, debounceMillis: settings.debounceMillis))
        }
        if lidar.protocol == "ld06" {
            return .ld06(
                LD06Renderer(
                    walkway: parameters, settings: try lidar.settings(scenario: walkway.scenario, faults: faults),
                    seed: walkway.seed, end: end))
        }
        switch try sensor.parsedKind() {
        case .ir2:
            return .ir2(
                IR2NodeRenderer(
                    walkway: parameters, configuration: nodeConfiguration, seed: walkway.seed, end: end),
                CommandDecoder())
        case .tof2:
            return .tof2(
                TOF2NodeRenderer(
                    walkway: parameters, geometry: try sensor.geometry(), configuration: nodeConfiguration,
                    rateHz: sensor.rateHz, seed: walkway.seed, end: end), CommandDecoder())
        case .tfminiPair:
            return .tfminiPair(
                TFminiPairRenderer(
                    walkway: parameters, geometry: try sensor.geometry(), models: try sensor.models(),
                    version: try sensor.version(), frameRateHz: sensor.frameRate,
                    faults: nodeConfiguration.faults,
                    seed: walkway.seed, end: end), [TFminiCommandDecoder(), TFminiCommandDecoder()])
        }
    }

    func run() throws {
        let parameters = try walkway.parameters()
        let durationMillis = Int64((output.duration * 1000).rounded())
        var hardware = try simulatedSensor(end: durationMillis)
        SystemCalls.installStopHandlers()

        var links: [Link] = []
        for index in 0..<hardware.linkCount {
            switch try output.destination() {
            case .pty: links.append(try Link.pseudoTerminal())
            case .tcp(let port):
                links.append(try Link.tcp(port: index == 0 ? port : (port == 0 ? 0 : port + 1)))
            case .file(let path):
                links.append(
                    try Link.file(hardware.linkCount == 1 ? path : path + (index == 0 ? ".a" : ".b")))
            }
        }
        standardOutput(
            links.map(\.announcement).reduce("") { line, next in
                let parts = next.split(separator: " ", maxSplits: 1)
                return line.isEmpty ? next : line + " " + parts[1]
            })
        if !output.noWait {
            for link in links {
                guard try link.waitForReader() else {
                    for link in links { try link.close() }
                    standardError("passant-sim: stopped before a reader came")
                    return
                }
            }
        }

        let startUnixMillis = output.start.flatMap(UTCTime.parse) ?? SystemCalls.unixMillis()
        var truth = GroundTruth(
            startUnixMillis: startUnixMillis, binSeconds: Int64(output.binSeconds),
            spacing: parameters.spacing)
        let paced = !output.fast
        let startNanos = SystemCalls.monotonicNanos()
        var simulatedUntil = durationMillis
        func simulationNow() -> Int64 {
            min(durationMillis, Int64(Double(SystemCalls.monotonicNanos() - startNanos) / 1e6 * output.speed))
        }
        /// Serves every link until `due` (ns), passing commands to the firmware as they come.
        func serve(until due: Int64) throws {
            repeat {
                for (index, link) in links.enumerated() {
                    // The first link waits; the others are only looked at.
                    try link.serve(until: index == 0 ? due : 0)
                    let input = link.takeInput()
                    if !input.isEmpty { hardware.input(input, link: index, at: simulationNow()) }
                }
            } while SystemCalls.monotonicNanos() < due && !SystemCalls.shouldStop
        }
        // Commands sent before the start are answered at time 0.
        for (index, link) in links.enumerated() { hardware.input(link.takeInput(), link: index, at: 0) }
        while let chunk = try hardware.next() {
            truth.record(hardware.takePedestrians())
            if paced {
                try serve(until: startNanos + Int64(Double(chunk.time) * 1_000_000 / output.speed))
            }
            if SystemCalls.shouldStop {
                simulatedUntil = paced ? simulationNow() : chunk.time
                break
            }
            if !chunk.bytes.isEmpty { try links[chunk.link].send(chunk.bytes) }
        }
        if paced && !SystemCalls.shouldStop {
            // The run lasts its whole duration, even after the last sentence.
            try serve(until: startNanos + Int64(Double(durationMillis) * 1_000_000 / output.speed))
            if SystemCalls.shouldStop { simulatedUntil = simulationNow() }
        }
        truth.record(hardware.takePedestrians())
        for link in links { try link.close() }

        let report = truth.report(until: simulatedUntil)
        let discarded = links.reduce(0) { $0 + $1.discardedBytes }
        let summary = hardware.summary(discarded: discarded)
        if let path = output.truth {
            let extra: [(String, JSONValue)] = [
                ("scenario", .string(walkway.scenario)),
                (
                    "seed",
                    walkway.seed <= UInt64(Int64.max)
                        ? .integer(Int64(walkway.seed)) : .string(String(walkway.seed))
                ),
                ("bin_seconds", .integer(Int64(output.binSeconds))),
                ("kind", .string(lidar.protocol == "ld06" ? "ld06" : sensor.kind)),
                ("node", summary.json),
            ]
            let text = report.jsonLines(summaryExtra: extra).map { $0 + "\n" }.joined()
            let fd = try SystemCalls.createFile(path)
            try SystemCalls.writeAll(fd, Array(text.utf8), path)
            SystemCalls.close(fd)
        }
        standardError(
            "passant-sim: \(Double(simulatedUntil) / 1000) s simulated from "
                + "\(UTCTime.format(unixMillis: startUnixMillis, milliseconds: true)): "
                + "\(report.crossings.count) crossings (\(report.total(.aToB)) a_to_b, \(report.total(.bToA)) b_to_a), "
                + "\(report.turnBacks.count) turn-backs, \(report.overlapped) overlapped; " + summary.text)
    }
}

