import Foundation
import Testing

/// Rangefinders and several sensors per gateway, with the real programs on real pseudo-terminals.
@Suite("End to end, rangefinders", .serialized)
struct RangefinderSiteTests {
    static let start = "2026-06-01T08:00:00Z"

    /// Starts a simulated TFmini pair and returns it with its two ptys.
    private func pair(_ arguments: [String]) async throws -> (Program, String, String) {
        let simulator = try Program("passant-sim", ["--kind", "tfmini-pair", "--pty"] + arguments)
        let line = try await simulator.line(startingWith: "pty ", within: 20)
        let ptys = line.dropFirst(4).split(separator: " ").map(String.init)
        guard ptys.count == 2 else { throw EndToEndError("expected two ptys, got '\(line)'") }
        return (simulator, ptys[0], ptys[1])
    }

    @Test func probeNamesTheProtocolAndAsksEachSensorWhoItIs() async throws {
        let (pairSim, a, b) = try await pair([
            "--duration", "60", "--model-b", "tf-luna", "--tfmini-version", "3.0.7",
        ])
        let node = try Program("passant-sim", ["--pty", "--duration", "60", "--node-id", "probe-me"])
        let nodePty = String(try await node.line(startingWith: "pty ", within: 20).dropFirst(4))
        // A pair starts when both links have a reader; hold A open while B is probed.
        let holder = FileHandle(forReadingAtPath: a)
        defer { try? holder?.close() }

        let (status, output, errors) = try await run("passant", ["probe", b, "--seconds", "1"])
        #expect(status == 0, "\(errors)")
        #expect(output.contains("\(b) at 115200 baud: tfmini"))
        #expect(output.contains("firmware 3.0.7"))
        #expect(output.contains("0 of"))  // no byte rejected

        let (nodeStatus, nodeOutput, nodeErrors) = try await run(
            "passant", ["probe", nodePty, "--seconds", "2"])
        #expect(nodeStatus == 0, "\(nodeErrors)")
        #expect(nodeOutput.contains("pcnt (PCNT counter node)"))
        #expect(nodeOutput.contains("HELLO: node probe-me, firmware sim-1.0.0, kind IR2"))

        pairSim.signal(SIGTERM)
        node.signal(SIGTERM)
        _ = try await pairSim.exit(within: 10)
        _ = try await node.exit(within: 10)
    }

    @Test func twoTFminisAndANodeOnOneGatewayEachCountedWhileTheNodeIsUnpluggedAndReplugged() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        let baseline = directory.appendingPathComponent("gate.baseline").path
        let nodeLink = directory.appendingPathComponent("ttyNODE").path

        // 1. The technician calibrates the pair with the walkway empty (a throwaway simulation of it).
        let (empty, emptyA, emptyB) = try await pair([
            "--wall", "3.2", "--rate-a-to-b", "0", "--rate-b-to-a", "0",
        ])
        let calibration = directory.appendingPathComponent("calibrate.yaml")
        try """
        site: e2e
        sensors:
          - name: gate
            protocol: tfmini-pair
            channels: {a: {port: \(emptyA)}, b: {port: \(emptyB), model: tfmini-s}}
            baseline: \(baseline)
        """.write(to: calibration, atomically: true, encoding: .utf8)
        let (calibrated, calibrateOutput, calibrateErrors) = try await run(
            "passant", ["calibrate", "baseline", "--config", calibration.path, "--seconds", "2"])
        #expect(calibrated == 0, "\(calibrateErrors)")
        #expect(calibrateOutput.contains("channel A: surface at 32"))
        empty.signal(SIGTERM)
        _ = try await empty.exit(within: 10)
        let baselineText = try String(contentsOfFile: baseline, encoding: .utf8)
        #expect(baselineText.contains("a: 3") && baselineText.contains("b: 3"))

        // 2. The pair and an IR2 node, both simulated at 10× for five minutes.
        let pairTruth = directory.appendingPathComponent("pair.jsonl").path
        let (pairSim, portA, portB) = try await pair([
            "--wall", "3.2", "--model-b", "tfmini-plus", "--scenario", "sparse", "--rate-a-to-b", "240",
            "--rate-b-to-a", "180", "--speed", "10", "--duration", "300", "--start", Self.start, "--seed",
            "21",
            "--truth", pairTruth, "--bin-seconds", "60",
        ])
        let nodeTruth1 = directory.appendingPathComponent("node1.jsonl").path
        let node1 = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "sparse", "--rate-a-to-b", "240", "--rate-b-to-a", "180", "--speed",
                "10",
                "--duration", "130", "--start", Self.start, "--seed", "24", "--truth", nodeTruth1,
                "--bin-seconds", "60",
            ])
        let nodePty1 = String(try await node1.line(startingWith: "pty ", within: 20).dropFirst(4))
        // The config names the node by a link, as udev's /dev/serial/by-id does for a USB adapter.
        try FileManager.default.createSymbolicLink(atPath: nodeLink, withDestinationPath: nodePty1)

        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        node: gw
        bin_seconds: 60
        grace_seconds: 5
        store: {path: \(database)}
        sensors:
          - name: gate
            protocol: tfmini-pair
            channels:
              a: {port: \(portA)}
              b: {port: \(portB), model: tfmini-plus}
            baseline: \(baseline)
          - name: door
            port: \(nodeLink)
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", Self.start])

        // 3. The node's cable is pulled after 130 s (the node keeps running) and plugged back 40 s
        // later: a new pty behind the same link, the node's tick and seq carried on.
        #expect(try await node1.exit(within: 60) == 0)
        try await daemon.log(containing: "lost \(nodeLink)", within: 10)
        let nodeTruth2 = directory.appendingPathComponent("node2.jsonl").path
        let node2 = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "sparse", "--rate-a-to-b", "240", "--rate-b-to-a", "180", "--speed",
                "10",
                "--duration", "130", "--start", "2026-06-01T08:02:50Z", "--tick-offset", "170000",
                "--seq-offset", "9000", "--seed", "23", "--truth", nodeTruth2, "--bin-seconds", "60",
            ])
        let nodePty2 = String(try await node2.line(startingWith: "pty ", within: 20).dropFirst(4))
        try FileManager.default.removeItem(atPath: nodeLink)
        try FileManager.default.createSymbolicLink(atPath: nodeLink, withDestinationPath: nodePty2)

        #expect(try await pairSim.exit(within: 90) == 0)
        // passantd set each sensor's format, rate and output when it opened the port; the firmware answered.
        #expect(pairSim.stderr.contains("6 commands answered"), "\(pairSim.stderr)")
        #expect(try await node2.exit(within: 60) == 0)
        try await Task.sleep(for: .seconds(1))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
        #expect(daemon.stderr.contains("reading \(nodeLink)"))

        let (status, exported, errors) = try await run("passant", ["export", "--db", database])
        #expect(status == 0, "\(errors)")
        let bins = try jsonLines(exported)
        func binsOf(_ sensor: String) -> [[String: Any]] { bins.filter { $0["sensor"] as? String == sensor } }
        func truth(_ path: String) throws -> [String: BinCounts] {
            countsByStart(try jsonLines(try String(contentsOfFile: path, encoding: .utf8)), type: "bin")
        }

        // The pair: every whole minute within one person per direction of the truth, fully covered.
        let gate = countsByStart(binsOf("gate"))
        let gateTruth = try truth(pairTruth)
        #expect(gateTruth.count == 5)
        var counted = 0
        var walked = 0
        for (start, expected) in gateTruth {
            let got = try #require(gate[start], "gate bin \(start) missing")
            #expect(
                abs(got.aToB - expected.aToB) <= 1 && abs(got.bToA - expected.bToA) <= 1,
                "gate \(start): \(got) vs \(expected)")
            counted += got.aToB + got.bToA
            walked += expected.aToB + expected.bToA
        }
        #expect(walked > 20)
        #expect(Double(counted) >= 0.9 * Double(walked), "\(counted) of \(walked)")
        let gateBins = binsOf("gate").filter { gateTruth[$0["start"] as! String] != nil }
        #expect(gateBins.allSatisfy { ($0["coverage"] as? Double ?? 0) >= 0.99 }, "\(gateBins)")

        // The node: exact before the cable was pulled and after it was back; the minute it was out is
        // flagged and its coverage says so.
        let door = Dictionary(uniqueKeysWithValues: binsOf("door").map { ($0["start"] as! String, $0) })
        let before = try truth(nodeTruth1)
        let after = try truth(nodeTruth2)
        for start in ["2026-06-01T08:00:00Z", "2026-06-01T08:01:00Z"] {
            let bin = try #require(door[start])
            #expect(
                BinCounts(aToB: bin["a_to_b"] as! Int, bToA: bin["b_to_a"] as! Int) == before[start],
                "door \(start)")
            #expect((bin["coverage"] as? Double ?? 0) >= 0.99)
        }
        let outage = try #require(door["2026-06-01T08:02:00Z"])
        #expect((outage["flags"] as? [String])?.contains("link-down") == true, "\(outage)")
        #expect((outage["coverage"] as? Double ?? 1) < 0.9)
        for start in ["2026-06-01T08:03:00Z", "2026-06-01T08:04:00Z"] {
            let bin = try #require(door[start])
            #expect(
                BinCounts(aToB: bin["a_to_b"] as! Int, bToA: bin["b_to_a"] as! Int) == after[start],
                "door \(start)")
            #expect((bin["coverage"] as? Double ?? 0) >= 0.99)
        }
    }

    @Test func theBaselineIsLearnedFromARunningPassantdAndTakenAtOnce() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let baseline = directory.appendingPathComponent("gate.baseline").path
        let (simulator, a, b) = try await pair(["--wall", "2.6", "--rate-a-to-b", "0", "--rate-b-to-a", "0"])
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        control_socket: \(directory.path)/control.sock
        store: {path: \(directory.path)/passant.db}
        sensors:
          - name: gate
            protocol: tfmini-pair
            channels: {a: {port: \(a)}, b: {port: \(b)}}
            baseline: \(baseline)
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program("passantd", ["--config", config.path])
        try await daemon.log(containing: "control socket", within: 20)

        // passantd holds both ports: it lends their data, and takes the new baseline without a restart.
        let (status, text, errors) = try await run(
            "passant", ["calibrate", "baseline", "--config", config.path, "--seconds", "3"])
        #expect(status == 0, "\(text)\n\(errors)")
        #expect(text.contains("learned from passantd's stream of gate"))
        #expect(text.contains("channel A: surface at 26") && text.contains("channel B: surface at 26"))
        #expect(text.contains("wrote \(baseline)"))
        #expect(text.contains("passantd: gate: new calibration applied"))
        try await daemon.log(containing: "new calibration applied", within: 5)

        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
        simulator.signal(SIGTERM)
        _ = try await simulator.exit(within: 10)
    }
}
