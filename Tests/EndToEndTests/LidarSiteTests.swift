import Foundation
import Testing

/// An LD06 on a facade, for real: the simulator's empty street calibrated with `passant calibrate
/// background`, then people walking past on a pty read by passantd, then the export compared with the
/// simulator's ground truth.
@Suite("End to end, LD06", .serialized)
struct LidarSiteTests {
    static let start = "2026-06-01T08:00:00Z"

    @Test func passantdCountsASimulatedLD06OnAPtyLikeTheGroundTruth() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.ld06").path
        let background = directory.appendingPathComponent("facade.background").path
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let database = directory.appendingPathComponent("passant.db").path

        // The technician's calibration: 25 s of the empty street, learned into the configured file.
        let (simStatus, _, simErrors) = try await run(
            "passant-sim",
            [
                "--protocol", "ld06", "--output", empty, "--fast", "--rate-a-to-b", "0", "--rate-b-to-a", "0",
                "--duration", "25",
            ])
        #expect(simStatus == 0, "\(simErrors)")
        let config = directory.appendingPathComponent("passant.yaml")
        func writeConfig(port: String) throws {
            try """
            site: e2e
            node: gw-e2e
            bin_seconds: 60
            grace_seconds: 5
            store: {path: \(database)}
            sensors:
              - name: facade
                port: \(port)
                protocol: ld06
                line: [[0.3, 0], [3.2, 0]]
                region: [[0.2, -2.5], [3.3, -2.5], [3.3, 2.5], [0.2, 2.5]]
                background: \(background)
                labels: {a_to_b: north, b_to_a: south}
            """.write(to: config, atomically: true, encoding: .utf8)
        }
        try writeConfig(port: "/dev/null")
        let (calibrated, said, calibrationErrors) = try await run(
            "passant", ["calibrate", "background", "--config", config.path, "--capture", empty])
        #expect(calibrated == 0, "\(calibrationErrors)")
        #expect(said.contains("wrote \(background)"))

        // Five minutes of walkers at 10× real time.
        let simulator = try Program(
            "passant-sim",
            [
                "--protocol", "ld06", "--pty", "--scenario", "sparse", "--rate-a-to-b", "240",
                "--rate-b-to-a",
                "180", "--speed", "10", "--duration", "300", "--start", Self.start, "--seed", "11", "--truth",
                truthPath, "--bin-seconds", "60",
            ])
        let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
        try writeConfig(port: pty)
        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", Self.start])
        #expect(try await simulator.exit(within: 90) == 0)
        try await daemon.log(containing: "lost \(pty)", within: 10)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
        #expect(!daemon.stderr.contains("learning the empty scene"), "the calibrated background is used")

        let (status, exported, errors) = try await run(
            "passant", ["export", "--db", database, "--format", "json"])
        #expect(status == 0, "\(errors)")
        let counted = countsByStart(try jsonLines(exported))
        // The LiDAR tells fast movers apart (fast_mover_mps defaults to 3): every bin says how many, 0 included.
        #expect(try jsonLines(exported).allSatisfy { ($0["fast_movers"] as? [String: Int])?.count == 2 })
        let expected = countsByStart(
            try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8)), type: "bin")
        #expect(expected.count == 5)
        let truthTotal = expected.values.reduce(0) { $0 + $1.aToB + $1.bToA }
        #expect(truthTotal > 20)
        // Every minute is stored; a walker near a minute's edge may land in the next bin, so bins are
        // compared within one person and the totals per direction within 5 %.
        var countedA = 0
        var countedB = 0
        var expectedA = 0
        var expectedB = 0
        for (start, truth) in expected {
            let bin = try #require(counted[start], "bin \(start) stored")
            #expect(abs(bin.aToB - truth.aToB) <= 1 && abs(bin.bToA - truth.bToA) <= 1, "bin \(start)")
            countedA += bin.aToB
            countedB += bin.bToA
            expectedA += truth.aToB
            expectedB += truth.bToA
        }
        #expect(
            Double(abs(countedA - expectedA)) <= max(1, 0.05 * Double(expectedA)),
            "a_to_b \(countedA) of \(expectedA)")
        #expect(
            Double(abs(countedB - expectedB)) <= max(1, 0.05 * Double(expectedB)),
            "b_to_a \(countedB) of \(expectedB)")
        #expect(daemon.stderr.contains("north"), "the daemon logs bins with the site's labels")
    }

    @Test func replayCountsAnLD06CaptureLikeTheGroundTruth() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("walk.ld06").path
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let (simStatus, _, simErrors) = try await run(
            "passant-sim",
            [
                "--protocol", "ld06", "--output", capture, "--fast", "--scenario", "moderate", "--duration",
                "600", "--start", Self.start, "--seed", "5", "--truth", truthPath, "--bin-seconds", "300",
            ])
        #expect(simStatus == 0, "\(simErrors)")
        // Without a configuration: the default line straight out from the sensor, the background
        // learned from the first 20 s.
        let arguments = [
            "replay", capture, "--protocol", "ld06", "--start", Self.start, "--bin-seconds", "300",
        ]
        let (first, bins, summary) = try await run("passant", arguments)
        let (second, again, _) = try await run("passant", arguments)
        #expect(first == 0 && second == 0, "\(summary)")
        #expect(bins == again)
        #expect(summary.contains("packets, 0 rejected, 0 lost"))
        let replayed = countsByStart(try jsonLines(bins))
        let truth = countsByStart(
            try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8)), type: "bin")
        let counted = replayed.values.reduce(0) { $0 + $1.aToB + $1.bToA }
        let walked = truth.values.reduce(0) { $0 + $1.aToB + $1.bToA }
        #expect(walked > 50)
        // The first 20 s teach the background, so a few walkers are missed then.
        #expect(Double(counted) >= 0.9 * Double(walked) && counted <= walked + 2, "\(counted) of \(walked)")
    }
}
