// passantd killed between sending and the receiver's confirmation, at both kinds of receiver at once:
// a real Mosquitto (checked by a real subscriber) and a real SensorThings server (checked through its
// API). Both are frozen (SIGSTOP) so that what passantd sends cannot be confirmed, passantd is killed
// with SIGKILL, the receivers are thawed and take in what was sent, and a new passantd on the same
// store must bring every closed bin to each receiver: at MQTT every key with its values (QoS 1 may
// repeat a bin, always with the same values), at the SensorThings server every row exactly once.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("End to end, delivery faults", .serialized)
struct DeliveryFaultTests {
    @Test(.enabled(if: Repository.serverTestsEnabled, Comment(rawValue: Repository.skipMessage)))
    func passantdKilledBetweenSendAndConfirmationLosesNothingAndStoresNothingTwice() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let mqttPort = try freeLoopbackPort()
        let broker = try startMosquitto(port: mqttPort, in: directory)
        defer { kill(broker.processIdentifier, SIGKILL) }

        let staPort = try freeLoopbackPort()
        let staRoot = "http://127.0.0.1:\(staPort)/sensorthings/v1.1"
        let server = try system(
            repositoryRoot + "/scripts/sensorthings/serve", [String(staPort), directory.appendingPathComponent("sta").path])
        let serverLog = directory.appendingPathComponent("sta.log")
        try createEmptyFile(serverLog.path)
        server.standardOutput = try FileHandle(forWritingTo: serverLog)
        server.standardError = server.standardOutput
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL) }
        try await waitForServer(staRoot, log: serverLog, within: 120)

        let received = directory.appendingPathComponent("received.txt")
        let subscriber = try startSubscriber(port: mqttPort, topic: "passant/+/+/bins", into: received)
        defer { kill(subscriber.processIdentifier, SIGKILL) }
        try await Task.sleep(for: .milliseconds(500))

        // Fifteen simulated minutes at 30× (30 s): a bin closes every 2 s.
        let start = "2026-06-01T08:00:00Z"
        let simulator = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "moderate", "--speed", "30", "--duration", "900", "--start", start,
                "--seed", "11",
            ])
        let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
        let database = directory.appendingPathComponent("passant.db").path
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        node: gw
        bin_seconds: 60
        grace_seconds: 5
        store: {path: \(database)}
        sensors:
          - {name: door, port: \(pty), labels: {a_to_b: in, b_to_a: out}}
        uplinks:
          - {type: mqtt, host: 127.0.0.1, port: \(mqttPort), ack_timeout_s: 30, health_interval_s: 0}
          - type: sensorthings
            url: \(staRoot)
            phenomenon_time: start
            timeout_s: 60
            thing: {longitude: 8.54, latitude: 47.37}
        """.write(to: config, atomically: true, encoding: .utf8)
        let arguments = ["--config", config.path, "--sensor-epoch", start]
        let first = try Program("passantd", arguments)

        // Let a few bins reach both receivers, then freeze them while more bins are sent.
        try await waitUntil(within: 60, "two bins at the MQTT subscriber") { try mqttBins(received).count >= 2 }
        kill(broker.processIdentifier, SIGSTOP)
        kill(server.processIdentifier, SIGSTOP)
        try await Task.sleep(for: .seconds(5))
        first.signal(SIGKILL)
        _ = try await first.exit(within: 10)
        kill(broker.processIdentifier, SIGCONT)
        kill(server.processIdentifier, SIGCONT)
        #expect(!first.stderr.contains("bins stored"), "passantd was to be killed, not stopped")

        let second = try Program("passantd", arguments)
        #expect(try await simulator.exit(within: 90) == 0)
        // Everything closed by now is delivered once the receivers hold it; then stop.
        var expected: [[String: Any]] = []
        try await waitUntil(within: 90, "every stored bin at both receivers") {
            expected = try await storedBins(database)
            let keys = Set(expected.map(binKey))
            let atBroker = Set(try mqttBins(received).map(binKey))
            let atServer = Set(try sensorThingsRows(staRoot).map(\.bin))
            return keys.isSubset(of: atBroker) && keys.isSubset(of: atServer)
        }
        second.signal(SIGTERM)
        #expect(try await second.exit(within: 30) == 0)
        #expect(expected.count >= 10, "too few bins to say anything: \(expected.count)")

        // MQTT: every bin arrived, and every copy of it carries the stored values.
        let arrived = try mqttBins(received)
        let byKey = Dictionary(grouping: arrived, by: binKey)
        for bin in expected {
            let copies = byKey[binKey(bin)] ?? []
            #expect(!copies.isEmpty, "\(binKey(bin)) not at the MQTT subscriber")
            for copy in copies {
                #expect(
                    copy["a_to_b"] as? Int == bin["a_to_b"] as? Int && copy["b_to_a"] as? Int == bin["b_to_a"] as? Int,
                    "\(binKey(bin)): \(copy) differs from the stored bin \(bin)")
            }
        }
        // SensorThings: two rows per bin, each exactly once, with the stored values; nothing else.
        let rows = try sensorThingsRows(staRoot)
        let rowsByKey = Dictionary(grouping: rows, by: \.key)
        let expectedKeys = Set(expected.map(binKey))
        #expect(rows.allSatisfy { expectedKeys.contains($0.bin) }, "rows of bins not stored at the gateway")
        for bin in expected {
            for direction in ["a_to_b", "b_to_a"] {
                let copies = rowsByKey[binKey(bin) + "/" + direction] ?? []
                #expect(copies.count == 1, "\(binKey(bin))/\(direction): \(copies.count) rows at the server")
                #expect(copies.allSatisfy { Int($0.result) == bin[direction] as? Int })
            }
        }
        let repeats = arrived.count - byKey.count
        #expect(repeats >= 1, "no message was in flight when passantd was killed: the test tested nothing")
        print("delivery faults: \(expected.count) bins; MQTT \(arrived.count) copies (\(repeats) repeats); SensorThings \(rows.count) rows")
    }
}

// MARK: - Looking at the gateway and the receivers

/// The bins in the store, closed ones only (a bin closed early at SIGTERM waits for its final values).
private func storedBins(_ database: String) async throws -> [[String: Any]] {
    let (status, exported, errors) = try await run("passant", ["export", "--db", database])
    guard status == 0 else { throw EndToEndError("passant export failed: \(errors)") }
    return try jsonLines(exported).filter { !(($0["flags"] as? [String]) ?? []).contains("closed-early") }
}

/// `node/sensor/start/seconds`, the key of a bin from an export line or a message.
private func binKey(_ bin: [String: Any]) -> String {
    if let key = bin["key"] as? String { return key }
    let start = ISO8601DateFormatter().date(from: bin["start"] as? String ?? "")?.timeIntervalSince1970 ?? -1
    return "gw/door/\(Int(start))/\(bin["seconds"] as? Int ?? 60)"
}

/// Every bin the MQTT subscriber has printed so far.
private func mqttBins(_ file: URL) throws -> [[String: Any]] {
    var bins: [[String: Any]] = []
    for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2,
            let payload = try? JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any]
        else { continue }
        bins += payload["bins"] as? [[String: Any]] ?? []
    }
    return bins
}

/// One Observation at the SensorThings server.
private struct Row {
    /// `node/sensor/start/seconds/direction`.
    var key: String
    var result: Double
    /// The bin's key.
    var bin: String { String(key[..<(key.lastIndex(of: "/") ?? key.endIndex)]) }
}

/// Every Observation at the server, read through its API by a small Python client (the standard
/// library's urllib: no HTTP client of ours, and none that needs installing).
private func sensorThingsRows(_ root: String) throws -> [Row] {
    let script = """
        import json, sys, urllib.parse, urllib.request
        rows, skip = [], 0
        while True:
            query = urllib.parse.urlencode({"$select": "id,result,parameters", "$orderby": "resultTime",
                                            "$top": "100", "$skip": str(skip)})
            with urllib.request.urlopen(sys.argv[1] + "/Observations?" + query, timeout=60) as reply:
                page = json.load(reply).get("value", [])
            if not page:
                break
            rows += [[o["parameters"]["passant_key"], o["result"]] for o in page]
            skip += len(page)
        print(json.dumps(rows))
        """
    let process = try system("/usr/bin/python3", ["-c", script, root])
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let rows = try JSONSerialization.jsonObject(with: data) as? [[Any]] else {
        throw EndToEndError("cannot read the SensorThings server's Observations")
    }
    return rows.compactMap { row in
        guard let key = row.first as? String, let result = (row.last as? NSNumber)?.doubleValue else { return nil }
        return Row(key: key, result: result)
    }
}

/// Waits for the SensorThings server's root to answer.
private func waitForServer(_ root: String, log: URL, within seconds: Double) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? sensorThingsRows(root)) != nil { return }
        try await Task.sleep(for: .milliseconds(500))
    }
    throw EndToEndError(
        "the SensorThings server did not answer within \(seconds) s; its log:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
}

private func waitUntil(within seconds: Double, _ what: String, _ condition: () async throws -> Bool)
    async throws
{
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(500))
    }
    throw EndToEndError("not within \(seconds) s: \(what)")
}
