import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("End to end, uplinks", .serialized)
struct UplinkEndToEndTests {
    @Test func passantdDeliversEveryClosedBinToARealMosquittoWithHealth() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try freeLoopbackPort()
        let broker = try startMosquitto(port: port, in: directory)
        defer { kill(broker.processIdentifier, SIGKILL) }
        try await Task.sleep(for: .milliseconds(500))

        let received = directory.appendingPathComponent("received.txt")
        let subscriber = try startSubscriber(port: port, topic: "passant/#", into: received)
        defer { kill(subscriber.processIdentifier, SIGKILL) }
        try await Task.sleep(for: .milliseconds(500))

        let start = "2026-06-01T08:00:00Z"
        let simulator = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "moderate", "--speed", "30", "--duration", "300", "--start", start,
                "--seed", "3",
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
          - {type: mqtt, host: 127.0.0.1, port: \(port), health_interval_s: 10}
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", start])
        let started = Date()
        #expect(try await simulator.exit(within: 60) == 0)
        // Give delivery and the first health message (after 10 s) time, then stop.
        try await Task.sleep(for: .seconds(max(3, 12.5 - Date().timeIntervalSince(started))))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
        try await Task.sleep(for: .milliseconds(500))

        let (_, exported, _) = try await run("passant", ["export", "--db", database])
        let stored = try jsonLines(exported).filter {
            !(($0["flags"] as? [String]) ?? []).contains("closed-early")
        }
        #expect(stored.count == 4)

        // Every closed bin arrived, by key, with its values; repeats (QoS 1) are the same bin.
        var arrived: [String: [String: Any]] = [:]
        var health: [String: Any]?
        for line in try String(contentsOf: received, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            // The status topic carries plain words (online/offline); bins and health are JSON.
            guard parts.count == 2, parts[0].hasSuffix("/bins") || parts[0].hasSuffix("/health") else {
                continue
            }
            let payload = try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any]
            if parts[0].hasSuffix("/bins"), let bins = payload?["bins"] as? [[String: Any]] {
                for bin in bins { arrived[bin["key"] as! String] = bin }
            } else if parts[0].hasSuffix("/health") {
                health = payload
            }
        }
        for bin in stored {
            let startSeconds = Int(UTCTimeParse.seconds(bin["start"] as! String))
            let key = "gw/door/\(startSeconds)/60"
            let message = try #require(arrived[key], "bin \(key) not delivered")
            #expect(message["a_to_b"] as? Int == bin["a_to_b"] as? Int)
            #expect(message["b_to_a"] as? Int == bin["b_to_a"] as? Int)
            #expect((message["counts"] as? [String: Int])?["in"] == bin["a_to_b"] as? Int)
        }
        let sensors = try #require(health?["sensors"] as? [[String: Any]])
        #expect(sensors.first?["name"] as? String == "door")
        // Running totals of people stay on the gateway: two of them would give a count finer than a bin.
        #expect(sensors.first?["crossings"] == nil)
        #expect(sensors.first?["frames"] != nil)
        #expect((health?["uplinks"] as? [[String: Any]])?.first?["queue"] != nil)
    }
}

/// Unix seconds from the exports' `YYYY-MM-DDTHH:MM:SSZ`.
private enum UTCTimeParse {
    static func seconds(_ text: String) -> Double {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)?.timeIntervalSince1970 ?? -1
    }
}
