import Foundation
import Testing

/// The real programs, a real pseudo-terminal, a real database file.
@Suite("End to end", .serialized)
struct CountingSiteTests {
    static let start = "2026-06-01T08:00:00Z"

    @Test func passantdCountsASimulatedNodeOnAPtyLikeTheGroundTruth() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let database = directory.appendingPathComponent("state/passant.db").path

        // Ten minutes of people walking one at a time at 20× real time.
        let simulator = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "sparse", "--rate-a-to-b", "240", "--rate-b-to-a", "180", "--speed",
                "20",
                "--duration", "600", "--start", Self.start, "--seed", "11", "--truth", truthPath,
                "--bin-seconds", "60",
            ])
        let ptyLine = try await simulator.line(startingWith: "pty ", within: 20)
        let pty = String(ptyLine.dropFirst(4))

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
            labels: {a_to_b: in, b_to_a: out}
        """.write(to: config, atomically: true, encoding: .utf8)

        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", Self.start])
        #expect(try await simulator.exit(within: 90) == 0)
        // The simulator closed the pty: the daemon notices, keeps running and tries to reopen it.
        try await daemon.log(containing: "lost \(pty)", within: 10)
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)

        let (status, exported, errors) = try await run(
            "passant", ["export", "--db", database, "--format", "json"])
        #expect(status == 0, "\(errors)")
        let bins = try jsonLines(exported)
        let truth = try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8))
        let counted = countsByStart(bins)
        let expected = countsByStart(truth, type: "bin")
        #expect(expected.count == 10)
        // Every whole minute of the run is stored, counted as the simulator says people walked.
        for (start, truthCounts) in expected {
            #expect(counted[start] == truthCounts, "bin \(start)")
        }
        let full = bins.filter { expected[$0["start"] as! String] != nil }
        #expect(full.allSatisfy { ($0["coverage"] as? Double ?? 0) >= 0.99 }, "\(full)")
        #expect(
            full.allSatisfy { ($0["node"] as? String) == "gw-e2e" && ($0["sensor"] as? String) == "door" })
        let people = expected.values.reduce(0) { $0 + $1.aToB + $1.bToA }
        #expect(people > 40)
        // The daemon logged each bin as it closed, with the site's direction labels.
        #expect(daemon.stderr.contains("in \(counted["2026-06-01T08:00:00Z"]?.aToB ?? -1), out"))
    }

    @Test func replayingACaptureTwiceGivesTheSameBinsAndMatchesTheTruth() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("walk.pcnt").path
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let (simStatus, _, simErrors) = try await run(
            "passant-sim",
            [
                "--output", capture, "--fast", "--scenario", "sparse", "--duration", "3600", "--start",
                Self.start,
                "--seed", "5", "--truth", truthPath, "--bin-seconds", "300",
            ])
        #expect(simStatus == 0, "\(simErrors)")

        let arguments = [
            "replay", capture, "--start", Self.start, "--bin-seconds", "300", "--sensor", "door",
        ]
        let (first, bins, summary) = try await run("passant", arguments)
        let (second, again, _) = try await run("passant", arguments)
        #expect(first == 0 && second == 0, "\(summary)")
        #expect(bins == again)
        #expect(summary.contains("× real time"))

        let replayed = try jsonLines(bins)
        #expect(replayed.count == 12)
        #expect(replayed.allSatisfy { $0["sensor"] as? String == "door" && $0["seconds"] as? Int == 300 })
        let truth = countsByStart(
            try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8)), type: "bin")
        #expect(countsByStart(replayed) == truth)
    }

    @Test func aBrokenConfigurationIsRefusedWithItsLineAndExitStatus78() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("passant.yaml")
        try "site: x\nbin_seconds: 45\nsensors:\n  - name: door\n".write(
            to: config, atomically: true, encoding: .utf8)
        let (status, _, errors) = try await run("passantd", ["--config", config.path])
        #expect(status == 78)
        #expect(errors.contains("\(config.path):2: bin_seconds: must be 60, 300, 900 or 3600, not 45"))
        #expect(errors.contains("sensors[0].port: is missing"))
    }

    @Test func anUplinkSecretFromAnUnsetVariableIsAConfigurationErrorWithStatus78() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: x
        store: {path: \(directory.path)/p.db}
        sensors:
          - {name: door, port: "tcp://127.0.0.1:1"}
        uplinks:
          - {type: mqtt, host: 127.0.0.1, username: gw, password: {env: PASSANT_TEST_UNSET_PASSWORD}}
        """.write(to: config, atomically: true, encoding: .utf8)
        let (status, _, errors) = try await run("passantd", ["--config", config.path])
        // No restart loop: systemd's RestartPreventExitStatus and the operator both read 78 as "fix the config".
        #expect(status == 78)
        #expect(errors.contains("PASSANT_TEST_UNSET_PASSWORD"))
    }

    @Test func aMissingPortIsRetriedWithoutStoppingTheDaemon() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: x
        store: {path: \(directory.path)/p.db}
        sensors:
          - {name: door, port: /dev/serial/by-id/usb-not-plugged-in}
          - {name: gate, port: "tcp://127.0.0.1:1"}
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program("passantd", ["--config", config.path])
        try await daemon.log(containing: "cannot open /dev/serial/by-id/usb-not-plugged-in", within: 10)
        try await daemon.log(containing: "cannot open tcp://127.0.0.1:1", within: 10)
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
    }
}

/// The production path: bins stamped from the system clock, a restart within a bin.
@Suite("End to end, system clock", .serialized)
struct SystemClockTests {
    @Test func aRestartWithinABinLosesNothingAndCountsNothingTwice() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        var truthTotal = 0
        for run in 1...2 {
            let truthPath = directory.appendingPathComponent("truth\(run).jsonl").path
            // People every second or two, in real time, for eight seconds.
            let simulator = try Program(
                "passant-sim",
                [
                    "--pty", "--scenario", "sparse", "--rate-a-to-b", "1800", "--rate-b-to-a", "1500",
                    "--duration", "8",
                    "--seed", "\(run)", "--truth", truthPath, "--bin-seconds", "60",
                ])
            let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
            let config = directory.appendingPathComponent("passant\(run).yaml")
            try """
            site: e2e
            node: gw
            bin_seconds: 60
            store: {path: \(database)}
            sensors:
              - {name: door, port: \(pty)}
            """.write(to: config, atomically: true, encoding: .utf8)
            let daemon = try Program("passantd", ["--config", config.path])
            #expect(try await simulator.exit(within: 30) == 0)
            // The last walker is decided up to two transit times after the beams clear.
            try await Task.sleep(for: .seconds(3.5))
            daemon.signal(SIGTERM)
            #expect(try await daemon.exit(within: 20) == 0)
            let truth = try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8))
            let summary = try #require(truth.last)
            truthTotal += (summary["a_to_b"] as! Int) + (summary["b_to_a"] as! Int)
        }
        let (status, exported, errors) = try await run("passant", ["export", "--db", database])
        #expect(status == 0, "\(errors)")
        let bins = try jsonLines(exported)
        let counted = bins.reduce(0) { $0 + ($1["a_to_b"] as! Int) + ($1["b_to_a"] as! Int) }
        #expect(truthTotal > 4)
        #expect(counted == truthTotal, "\(bins)")
        // Each run ended inside a bin, so the newest bin is flagged as closed early; keys are unique.
        #expect((bins.last?["flags"] as? [String])?.contains("closed-early") == true)
        #expect(Set(bins.map { $0["start"] as! String }).count == bins.count)
    }
}
