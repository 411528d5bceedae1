import Foundation
import TestSupport
import Testing

/// The real counter-node firmware (Hardware/firmware) in QEMU, driven by the simulator's walkway model
/// (`passant-sim --node qemu`), counted by the real passantd.
@Suite(
    "End to end, firmware in QEMU", .serialized,
    .enabled(if: Repository.firmwareTestsEnabled, Comment(rawValue: Repository.firmwareSkipMessage)))
struct FirmwareInTheLoopTests {
    static let start = "2026-06-01T08:00:00Z"

    @Test func passantdCountsTheRealFirmwareLikeTheGroundTruth() async throws {
        let image = try Repository.firmwareImage.get()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let database = directory.appendingPathComponent("passant.db").path

        // Four minutes of people walking one at a time, at 5× real time: QEMU's -icount node runs 10–15× real
        // time here, so it stays ahead of the pacing even on a busy machine.
        let simulator = try Program(
            "passant-sim",
            [
                "--node", "qemu", "--firmware-image", image, "--pty", "--scenario", "sparse", "--rate-a-to-b",
                "300", "--rate-b-to-a", "240", "--speed", "5", "--duration", "240", "--start", Self.start,
                "--seed", "11", "--truth", truthPath, "--bin-seconds", "60",
            ])
        let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        node: gw-e2e
        bin_seconds: 60
        grace_seconds: 5
        store:
          path: \(database)
        sensors:
          - name: door
            port: \(pty)
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", Self.start])
        #expect(try await simulator.exit(within: 120) == 0, "\(simulator.stderr)")
        try await daemon.log(containing: "lost \(pty)", within: 10)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)

        // The firmware said so itself: nothing allocated in the steady state, no input late or lost.
        #expect(simulator.stderr.contains("firmware in QEMU"), "\(simulator.stderr)")
        #expect(simulator.stderr.contains("allocs 0, inputs 0/0"), "\(simulator.stderr)")

        let (status, exported, errors) = try await run(
            "passant", ["export", "--db", database, "--format", "json"])
        #expect(status == 0, "\(errors)")
        let bins = try jsonLines(exported)
        let truth = try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8))
        let counted = countsByStart(bins)
        let expected = countsByStart(truth, type: "bin")
        #expect(expected.count == 4)
        for (start, truthCounts) in expected {
            #expect(counted[start] == truthCounts, "bin \(start)")
        }
        let full = bins.filter { expected[$0["start"] as! String] != nil }
        #expect(full.allSatisfy { ($0["coverage"] as? Double ?? 0) >= 0.99 }, "\(full)")
        #expect(expected.values.reduce(0) { $0 + $1.aToB + $1.bToA } > 20)
    }

    @Test func theFirmwareReportsExactlyTheEdgesOfTheSimulatorsOwnNode() async throws {
        let image = try Repository.firmwareImage.get()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var edgesByNode: [[String]] = []
        var countsByNode: [[String: BinCounts]] = []
        for node in ["sim", "qemu"] {
            let capture = directory.appendingPathComponent("\(node).pcnt").path
            let truth = directory.appendingPathComponent("\(node).truth").path
            let (status, _, errors) = try await run(
                "passant-sim",
                [
                    "--node", node, "--firmware-image", image, "--output", capture, "--fast", "--scenario",
                    "moderate", "--duration", "120", "--start", Self.start, "--seed", "3", "--truth", truth,
                    "--stuck", "B:40:35",
                ], within: 120)
            #expect(status == 0, "\(errors)")
            // `$B,seq,tick,ch,state*CRC`: the tick, channel and state of every edge.
            let text = try String(contentsOfFile: capture, encoding: .utf8)
            edgesByNode.append(
                text.split(separator: "\r\n").filter { $0.hasPrefix("$B,") }.map {
                    $0.split(separator: "*")[0].split(separator: ",").dropFirst(2).joined(separator: ",")
                })
            let (replayed, bins, summary) = try await run(
                "passant", ["replay", capture, "--start", Self.start, "--bin-seconds", "60"])
            #expect(replayed == 0, "\(summary)")
            countsByNode.append(countsByStart(try jsonLines(bins)))
        }
        // Same walkway, same debounce: the firmware's edges are the reference model's, to the millisecond.
        #expect(edgesByNode[0].count > 40)
        #expect(edgesByNode[1] == edgesByNode[0])
        #expect(countsByNode[1] == countsByNode[0])
    }
}
