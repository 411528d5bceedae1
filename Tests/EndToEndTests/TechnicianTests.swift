// The technician's commands against a running passantd fed by the simulator on a pty, and with the
// daemon stopped: what a technician types on the ladder, with assertions on what they read.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension TechnicianSite {
    /// A simulated PCNT node: the sensor `door`.
    fileprivate static func start(
        _ simulatorArguments: [String], labels: String = "{a_to_b: in, b_to_a: out}"
    )
        async throws -> TechnicianSite
    {
        try await start(simulatorArguments) { pty in "name: door\nport: \(pty)\nlabels: \(labels)" }
    }
}

@Suite("End to end, the technician's commands", .serialized)
struct TechnicianTests {
    @Test func statusShowsTheDaemonTheSensorTheStoreAndTodaysCounts() async throws {
        var site = try await TechnicianSite.start([
            "--scenario", "dense", "--speed", "1", "--duration", "600",
        ])
        try await site.startDaemon()
        try await Task.sleep(for: .seconds(3))

        let (status, text, errors) = try await site.passant(["status"])
        #expect(status == 0, "\(errors)")
        #expect(text.contains("site ladder · node gw"))
        #expect(text.contains("door") && text.contains("UP"))
        #expect(
            text.contains("pcnt node sim-1, firmware sim-1.0.0")
                || text.contains("node sim-1, firmware sim-1.0.0"))
        #expect(text.contains("TODAY"))

        let (_, json, _) = try await site.passant(["status", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let sensors = try #require(report["sensors"] as? [[String: Any]])
        #expect(sensors.first?["name"] as? String == "door")
        #expect(sensors.first?["link"] as? String == "up")
        #expect((sensors.first?["frames"] as? Int ?? 0) > 0)
        #expect((sensors.first?["frames_per_second"] as? Double ?? 0) > 0)
        let today = try #require((report["today"] as? [[String: Any]])?.first)
        #expect((today["hours"] as? [[Int]])?.count == 24)
        #expect(today["labels"] as? [String] == ["in", "out"])

        // Stopped, the status comes from the store, and says so.
        site.daemon?.signal(SIGTERM)
        #expect(try await site.daemon?.exit(within: 20) == 0)
        site.daemon = nil
        let (stoppedStatus, stoppedText, _) = try await site.passant(["status"])
        #expect(stoppedStatus == 3)
        #expect(stoppedText.contains("passantd: not running"))
        #expect(stoppedText.contains("door"))
        try await site.stop()
    }

    @Test func monitorShowsChannelsAndCrossingsFromTheDaemonAndFromThePortWhenItIsStopped() async throws {
        var site = try await TechnicianSite.start([
            "--scenario", "dense", "--speed", "4", "--duration", "3600",
        ])
        try await site.startDaemon()

        let (status, text, errors) = try await site.passant(["monitor", "--plain", "--duration", "6"])
        #expect(status == 0, "\(errors)")
        #expect(text.contains("from passantd"))
        #expect(text.contains("door channels A occupied") || text.contains("B occupied"))
        #expect(text.contains("door crossing in (a_to_b)") || text.contains("door crossing out (b_to_a)"))
        #expect(text.contains("counted: door:"))

        site.daemon?.signal(SIGTERM)
        _ = try await site.daemon?.exit(within: 20)
        site.daemon = nil
        let (localStatus, local, localErrors) = try await site.passant([
            "monitor", "--plain", "--duration", "6",
        ])
        #expect(localStatus == 0, "\(localErrors)")
        #expect(local.contains("opened directly (passantd is not running)"))
        #expect(local.contains("door crossing"))
        try await site.stop()
    }

    @Test func aWalkTestOfThreeWalksEachWayPasses() async throws {
        var site = try await TechnicianSite.start([
            "--scenario", "walk-test", "--walks", "3", "--speed", "4", "--duration", "120",
        ])
        try await site.startDaemon()

        let (status, text, errors) = try await site.passant(["walk-test", "--expect", "3", "--timeout", "60"])
        #expect(status == 0, "\(text)\n\(errors)")
        #expect(text.contains("Walk 3 times in the direction counted as \"in\""))
        #expect(text.components(separatedBy: "\tin (a_to_b)").count - 1 == 3)
        #expect(text.components(separatedBy: "\tout (b_to_a)").count - 1 == 3)
        #expect(text.contains("in (a_to_b): 3 of 3 · out (b_to_a): 3 of 3"))
        #expect(text.contains("PASSED"))
        try await site.stop()
    }

    @Test func aWalkTestOnSwappedBeamsSaysSoAndSwapsTheLabelsWhenAsked() async throws {
        var site = try await TechnicianSite.start([
            "--scenario", "walk-test", "--walks", "3", "--walks-reversed", "--speed", "4", "--duration",
            "120",
        ])
        try await site.startDaemon()

        let (status, text, _) = try await site.passant([
            "walk-test", "--expect", "3", "--timeout", "60", "--swap-labels",
        ])
        #expect(status == 1)
        #expect(text.contains("The directions are swapped"))
        #expect(text.contains("Swapped the labels of door"))
        let config = try String(contentsOf: site.config, encoding: .utf8)
        #expect(config.contains("labels: {a_to_b: out, b_to_a: in}"))
        #expect(config.hasPrefix("# A test site."), "the rest of the file is left as it was")
        let (checkStatus, _, _) = try await site.passant(["config", "check"])
        #expect(checkStatus == 0)
        try await site.stop()
    }

    @Test func nodeParametersAreReadChangedAndSavedThroughTheDaemonAndOnThePort() async throws {
        var site = try await TechnicianSite.start([
            "--scenario", "sparse", "--speed", "1", "--duration", "600",
        ])
        try await site.startDaemon()

        let (status, text, errors) = try await site.passant(["node", "get"])
        #expect(status == 0, "\(errors)")
        #expect(text.contains("node_id = sim-1"))
        #expect(text.contains("debounce_ms = 20"))
        #expect(text.contains("kind = IR2"))

        let (setStatus, setText, setErrors) = try await site.passant([
            "node", "set", "debounce_ms=35", "emit=3",
        ])
        #expect(setStatus == 0, "\(setErrors)")
        #expect(setText.contains("debounce_ms = 35") && setText.contains("emit = 3"))
        let (_, json, _) = try await site.passant(["node", "get", "--json"])
        let values = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["values"]
                as? [String: String])
        #expect(values["debounce_ms"] == "35")

        let (refusedStatus, refusedText, _) = try await site.passant(["node", "set", "debounce_ms=900"])
        #expect(refusedStatus == 1)
        #expect(refusedText.contains("debounce_ms: refused (out-of-range)"))
        let (saveStatus, saveText, _) = try await site.passant(["node", "save"])
        #expect(saveStatus == 0)
        #expect(saveText.contains("saved to the node's flash"))

        // With passantd stopped, the CLI opens the port itself.
        site.daemon?.signal(SIGTERM)
        _ = try await site.daemon?.exit(within: 20)
        site.daemon = nil
        let (localStatus, localText, localErrors) = try await site.passant(["node", "get"])
        #expect(localStatus == 0, "\(localErrors)")
        #expect(localText.contains("debounce_ms = 35"))
        try await site.stop()
    }

    @Test func portsListsThisMachinesSerialPortsForPeopleAndForScripts() async throws {
        let (status, text, errors) = try await run("passant", ["ports"])
        #expect(status == 0, "\(errors)")
        let (jsonStatus, json, _) = try await run("passant", ["ports", "--json"])
        #expect(jsonStatus == 0)
        let ports = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        // Each port the JSON names is listed for people too, with its transport.
        for port in ports {
            let name = try #require(port["name"] as? String)
            #expect(name.hasPrefix("/dev/"))
            #expect(text.contains("\(name)  \(port["transport"] as? String ?? "?")"))
        }
        if ports.isEmpty { #expect(text.contains("no serial ports found")) }
    }

    @Test func configCheckNamesEveryProblemWithItsLine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broken.yaml")
        try "site: x\nbin_seconds: 45\nsensors:\n  - name: door\n    baud: fast\n".write(
            to: file, atomically: true, encoding: .utf8)
        let (status, text, _) = try await run("passant", ["config", "check", file.path])
        #expect(status == 1)
        #expect(text.contains("\(file.path):2: bin_seconds: must be 60, 300, 900 or 3600, not 45"))
        #expect(text.contains("sensors[0].port: is missing"))
        #expect(text.contains(":5: sensors[0].baud:"))

        let (_, json, _) = try await run("passant", ["config", "check", file.path, "--json"])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(result["usable"] as? Bool == false)
        #expect((result["problems"] as? [[String: Any]])?.count ?? 0 >= 3)

        let good = directory.appendingPathComponent("good.yaml")
        try "site: x\nsensors:\n  - {name: door, port: /dev/serial/by-id/not-plugged}\n".write(
            to: good, atomically: true, encoding: .utf8)
        let (goodStatus, goodText, _) = try await run("passant", ["config", "check", good.path])
        #expect(goodStatus == 0)
        #expect(goodText.contains("usable — site x"))
        #expect(goodText.contains("warning: sensor door: /dev/serial/by-id/not-plugged does not exist"))
    }
}
