// passant-sim: plays a PCNT IR2 counter node, byte-exact, on a pseudo-terminal, a TCP port or into a
// capture file, with a reproducible walkway in front of it and the ground truth written alongside.

import ArgumentParser
import PassantSimulator

@main
struct PassantSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passant-sim",
        abstract:
            "Simulate a PCNT IR2 counter node or an LD06 2D LiDAR, and score counts against the simulation's ground truth.",
        subcommands: [Run.self, Score.self],
        defaultSubcommand: Run.self)
}

/// `passant-sim [run]`: the simulated node.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Simulate a PCNT IR2 counter node with pedestrians walking through its beams (the default).",
        discussion: """
            The first line on stdout says where the node is: `pty /dev/pts/N`, `tcp 127.0.0.1:PORT` or \
            `file PATH`. With a pty or TCP port the run (simulation time 0, node tick 0, `--start`) begins \
            when a reader opens the pty or connects (unless --no-wait). After that the node talks whether or \
            not anyone listens, like a real serial line: bytes sent with no reader are discarded. Input \
            from the reader is read and ignored. The same scenario, seed and options give the same bytes.

            Scenarios: \(Scenario.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
            """)

    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Walkway") var walkway: WalkwayOptions
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
        let problems = try walkway.parameters().problems + nodeConfiguration().problems
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func nodeConfiguration() throws -> NodeConfiguration {
        NodeConfiguration(
            nodeID: node.nodeID, firmware: node.firmware, debounceMillis: node.debounceMs,
            tickOffset: node.tickOffset,
            seqOffset: node.seqOffset, faults: try faults.faults())
    }

    func run() throws {
        let parameters = try walkway.parameters()
        let nodeConfiguration = try nodeConfiguration()
        let durationMillis = Int64((output.duration * 1000).rounded())
        SystemCalls.installStopHandlers()

        let link: Link
        switch try output.destination() {
        case .pty: link = try Link.pseudoTerminal()
        case .tcp(let port): link = try Link.tcp(port: port)
        case .file(let path): link = try Link.file(path)
        }
        standardOutput(link.announcement)
        if !output.noWait {
            guard try link.waitForReader() else {
                try link.close()
                standardError("passant-sim: stopped before a reader came")
                return
            }
        }

        let startUnixMillis = output.start.flatMap(UTCTime.parse) ?? SystemCalls.unixMillis()
        var stream: SimulatedStream =
            lidar.protocol == "ld06"
            ? .ld06(
                LD06Renderer(
                    walkway: parameters,
                    settings: try lidar.settings(scenario: walkway.scenario, faults: faults),
                    seed: walkway.seed, end: durationMillis))
            : .pcnt(
                IR2NodeRenderer(
                    walkway: parameters, configuration: nodeConfiguration, seed: walkway.seed,
                    end: durationMillis))
        var truth = GroundTruth(
            startUnixMillis: startUnixMillis, binSeconds: Int64(output.binSeconds),
            spacing: parameters.spacing)
        let paced = !output.fast
        let startNanos = SystemCalls.monotonicNanos()
        var simulatedUntil = durationMillis
        while let chunk = stream.next() {
            truth.record(stream.takePedestrians())
            if paced {
                let due = startNanos + Int64(Double(chunk.time) * 1_000_000 / output.speed)
                try link.serve(until: due)
            }
            if SystemCalls.shouldStop {
                simulatedUntil =
                    paced
                    ? min(
                        durationMillis,
                        Int64(Double(SystemCalls.monotonicNanos() - startNanos) / 1e6 * output.speed))
                    : chunk.time
                break
            }
            try link.send(chunk.bytes)
        }
        if paced && !SystemCalls.shouldStop {
            // The run lasts its whole duration, even after the last sentence.
            try link.serve(until: startNanos + Int64(Double(durationMillis) * 1_000_000 / output.speed))
            if SystemCalls.shouldStop {
                simulatedUntil = min(
                    durationMillis,
                    Int64(Double(SystemCalls.monotonicNanos() - startNanos) / 1e6 * output.speed))
            }
        }
        truth.record(stream.takePedestrians())
        try link.close()

        let report = truth.report(until: simulatedUntil)
        if let renderer = stream.ld06 {
            finishLD06(renderer, report: report, until: simulatedUntil, start: startUnixMillis, link: link)
            return
        }
        guard let renderer = stream.pcnt else { return }
        let statistics = renderer.statistics
        if let path = output.truth {
            let extra: [(String, JSONValue)] = [
                ("scenario", .string(walkway.scenario)),
                (
                    "seed",
                    walkway.seed <= UInt64(Int64.max)
                        ? .integer(Int64(walkway.seed)) : .string(String(walkway.seed))
                ),
                ("bin_seconds", .integer(Int64(output.binSeconds))),
                ("node", nodeStatistics(statistics, discarded: link.discardedBytes)),
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
                + "\(report.turnBacks.count) turn-backs, \(report.overlapped) overlapped; "
                + "\(statistics.sentences) sentences (\(statistics.edges) B, \(statistics.keepalives) K, "
                + "\(statistics.statuses) S, \(statistics.dropped) dropped), \(statistics.bytes) bytes, "
                + "\(link.discardedBytes) unread")
    }

    /// The LD06 run's truth and summary: pedestrians as for PCNT, and the cyclists who passed the
    /// line (never pedestrians) in the summary line.
    private func finishLD06(
        _ renderer: LD06Renderer, report: GroundTruthReport, until simulatedUntil: Int64, start: Int64,
        link: Link
    ) {
        let cyclists = renderer.cyclistCrossings.filter { $0.crossingTime * 1000 < Double(simulatedUntil) }
        let statistics = renderer.statistics
        if let path = output.truth {
            let extra: [(String, JSONValue)] = [
                ("scenario", .string(walkway.scenario)),
                (
                    "seed",
                    walkway.seed <= UInt64(Int64.max)
                        ? .integer(Int64(walkway.seed)) : .string(String(walkway.seed))
                ),
                ("bin_seconds", .integer(Int64(output.binSeconds))),
                ("protocol", .string("ld06")),
                ("cyclists_a_to_b", .integer(Int64(cyclists.count { $0.direction == .aToB }))),
                ("cyclists_b_to_a", .integer(Int64(cyclists.count { $0.direction == .bToA }))),
                (
                    "sensor",
                    .object([
                        ("packets", .integer(Int64(statistics.packets))),
                        ("turns", .integer(Int64(statistics.turns))),
                        ("corrupted", .integer(Int64(statistics.corrupted))),
                        ("bytes", .integer(Int64(statistics.bytes))),
                        ("unread_bytes", .integer(Int64(link.discardedBytes))),
                    ])
                ),
            ]
            let text = report.jsonLines(summaryExtra: extra).map { $0 + "\n" }.joined()
            do {
                let fd = try SystemCalls.createFile(path)
                try SystemCalls.writeAll(fd, Array(text.utf8), path)
                SystemCalls.close(fd)
            } catch {
                standardError("passant-sim: cannot write the truth to \(path): \(error)")
            }
        }
        standardError(
            "passant-sim: \(Double(simulatedUntil) / 1000) s of LD06 simulated from "
                + "\(UTCTime.format(unixMillis: start, milliseconds: true)): "
                + "\(report.crossings.count) crossings (\(report.total(.aToB)) a_to_b, \(report.total(.bToA)) b_to_a), "
                + "\(report.turnBacks.count) turn-backs, \(cyclists.count) cyclists; "
                + "\(statistics.packets) packets, \(statistics.turns) turns, \(statistics.bytes) bytes, "
                + "\(link.discardedBytes) unread")
    }

    private func nodeStatistics(_ statistics: IR2NodeRenderer.Statistics, discarded: Int) -> JSONValue {
        .object([
            ("sentences", .integer(Int64(statistics.sentences))),
            ("hello", .integer(Int64(statistics.hellos))),
            ("b", .integer(Int64(statistics.edges))), ("s", .integer(Int64(statistics.statuses))),
            ("k", .integer(Int64(statistics.keepalives))), ("dropped", .integer(Int64(statistics.dropped))),
            ("corrupted", .integer(Int64(statistics.corrupted))),
            ("garbage_bytes", .integer(Int64(statistics.garbageBytes))),
            ("reboots", .integer(Int64(statistics.reboots))), ("bytes", .integer(Int64(statistics.bytes))),
            ("unread_bytes", .integer(Int64(discarded))),
        ])
    }
}

/// The byte stream being simulated: a PCNT node or an LD06 (exactly one is set; optionals so each
/// renderer is mutated in place, never copied).
struct SimulatedStream {
    var pcnt: IR2NodeRenderer?
    var ld06: LD06Renderer?

    static func pcnt(_ renderer: IR2NodeRenderer) -> SimulatedStream { SimulatedStream(pcnt: renderer) }
    static func ld06(_ renderer: LD06Renderer) -> SimulatedStream { SimulatedStream(ld06: renderer) }

    mutating func next() -> (time: Int64, bytes: [UInt8])? {
        if pcnt != nil { return pcnt!.next().map { ($0.time, $0.bytes) } }
        return ld06!.next().map { ($0.time, $0.bytes) }
    }

    mutating func takePedestrians() -> [Pedestrian] {
        if pcnt != nil { return pcnt!.takePedestrians() }
        return ld06!.takePedestrians()
    }
}
