// Hostile and broken input at the daemon: garbage bursts on the serial line, a port that disappears and
// comes back (a loose USB connector), and a full disk. passantd must stay up, lose nothing it could
// have kept, and show the trouble in its log, in `passant status` and in the bins' coverage and flags.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("End to end, hostile input", .serialized)
struct HostileInputTests {
    static let start = "2026-06-01T08:00:00Z"

    @Test func garbageBurstsAndAFlappingPortLeaveTheDaemonCountingWithTheTroubleVisible() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try await simulatedCapture(minutes: 20, in: directory)
        let link = directory.appendingPathComponent("ttyPASSANT").path
        let socket = directory.appendingPathComponent("control.sock").path
        let database = directory.appendingPathComponent("passant.db").path
        let config = try writeConfig(port: link, database: database, socket: socket, in: directory)

        // Garbage every 2 kB, the port gone and back every 1.5 s, over ~12 s.
        let bytes = try FileManager.default.attributesOfItem(atPath: capture)[.size] as! Int
        let feeder = try system(
            "/usr/bin/python3",
            [
                repositoryRoot + "/scripts/field/pty_feeder.py", capture, link, "--rate", "\(bytes / 12)",
                "--garbage-every", "2000", "--garbage-bytes", "300", "--flap-every", "1.5", "--start-delay", "2",
            ])
        let feederOutput = Pipe()
        feeder.standardOutput = feederOutput
        try feeder.run()
        defer { if feeder.isRunning { feeder.terminate() } }
        try await Task.sleep(for: .milliseconds(500))

        let daemon = try Program("passantd", ["--config", config, "--sensor-epoch", Self.start])
        try await Task.sleep(for: .seconds(7))
        let status = try await statusJSON(config: config)
        feeder.waitUntilExit()
        let summary = String(decoding: feederOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").last.map(String.init) ?? ""
        try await Task.sleep(for: .seconds(1))
        #expect(daemon.process.isRunning, "passantd died: \(daemon.stderr)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)

        // The feeder flapped the port several times; each loss and reopening is in the log.
        let flaps = Int(summary.split(separator: " ").last.map(String.init) ?? "") ?? 0
        #expect(flaps >= 3, "feeder: \(summary)")
        let losses = daemon.stderr.components(separatedBy: "lost \(link)").count - 1
        let openings = daemon.stderr.components(separatedBy: "reading \(link)").count - 1
        #expect(losses >= 3 && openings >= losses, "lost \(losses)×, reopened \(openings)×")
        // The noise is counted by reason in the status.
        let sensor = (status["sensors"] as? [[String: Any]])?.first ?? [:]
        let rejected = (sensor["rejected_frames"] ?? sensor["rejectedFrames"]) as? Int ?? 0
        #expect(rejected > 0, "no rejects in the status: \(sensor)")
        // And bins were stored all along, the damaged ones marked.
        let (exportStatus, exported, _) = try await run("passant", ["export", "--db", database])
        #expect(exportStatus == 0)
        let bins = try jsonLines(exported)
        #expect(bins.count >= 10, "\(bins.count) bins")
        let marked = bins.filter { !((($0["flags"] as? [String]) ?? []).isEmpty) || ($0["coverage"] as? Double ?? 1) < 1 }
        #expect(!marked.isEmpty, "no bin shows the trouble")
        print("hostile serial: \(summary); passantd lost the port \(losses)×, \(rejected) rejects, \(bins.count) bins (\(marked.count) marked)")
    }

    /// A real full disk: the store on a tiny tmpfs filled up while passantd counts. Needs root (mount);
    /// skipped otherwise — the store's own SQLITE_FULL path is tested with `max_page_count` in StoreTests.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskLosesNothingAndTheStoreWorksAgainOnceThereIsSpace() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mountPoint = directory.appendingPathComponent("disk").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let (mounted, _, mountErrors) = try await shellStatus("mount -t tmpfs -o size=4m tmpfs \(mountPoint)")
        try #require(mounted == 0, "cannot mount a tmpfs here: \(mountErrors)")
        defer { _ = try? shellSync("umount -l \(mountPoint)") }

        let capture = try await simulatedCapture(minutes: 30, in: directory)
        let link = directory.appendingPathComponent("ttyPASSANT").path
        let database = mountPoint + "/passant.db"
        let config = try writeConfig(port: link, database: database, socket: nil, in: directory)
        let bytes = try FileManager.default.attributesOfItem(atPath: capture)[.size] as! Int
        // 30 simulated minutes over ~15 s: a bin closes every half second.
        let feeder = try system(
            "/usr/bin/python3",
            [repositoryRoot + "/scripts/field/pty_feeder.py", capture, link, "--rate", "\(bytes / 15)", "--start-delay", "1.5"])
        feeder.standardOutput = FileHandle.nullDevice
        try feeder.run()
        defer { if feeder.isRunning { feeder.terminate() } }
        try await Task.sleep(for: .milliseconds(500))
        let daemon = try Program("passantd", ["--config", config, "--sensor-epoch", Self.start])
        try await daemon.log(containing: "bin 2026-06-01T08:01:00Z", within: 20)

        // Fill the disk to the last byte.
        _ = try await shellStatus("dd if=/dev/zero of=\(mountPoint)/filler bs=64k 2>/dev/null; sync")
        try await daemon.log(containing: "cannot store", within: 20)
        let line = daemon.stderr.split(separator: "\n").first { $0.contains("cannot store") } ?? ""
        #expect(line.contains(database), "the log names the store: \(line)")
        #expect(line.contains("free space"), "the log says what to do: \(line)")
        #expect(line.contains("keeping them in memory"))
        try await Task.sleep(for: .seconds(3))
        #expect(daemon.process.isRunning)

        // Space is back: the store takes the bins kept in memory.
        try FileManager.default.removeItem(atPath: mountPoint + "/filler")
        try await daemon.log(containing: "the store accepts bins again", within: 20)
        feeder.waitUntilExit()
        try await Task.sleep(for: .seconds(2))
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)

        // Nothing lost: the stored bins are those of a replay of the same bytes, bin for bin.
        let (_, exported, _) = try await run("passant", ["export", "--db", database])
        let (_, replayed, _) = try await run(
            "passant", ["replay", capture, "--start", Self.start, "--bin-seconds", "60"])
        let stored = countsByKey(try jsonLines(exported))
        let reference = countsByKey(try jsonLines(replayed))
        let closedEarlier = reference.keys.sorted().dropLast()  // the last bin is closed early by SIGTERM
        #expect(closedEarlier.count >= 20)
        for start in closedEarlier {
            #expect(stored[start] == reference[start], "bin \(start): stored \(String(describing: stored[start])), replay \(String(describing: reference[start]))")
        }
        let (integrity, _, _) = try await shellStatus("python3 -c \"import sqlite3,sys; sys.exit(0 if sqlite3.connect('\(database)').execute('PRAGMA integrity_check').fetchone()[0]=='ok' else 1)\"")
        #expect(integrity == 0)
    }
}

// MARK: - Helpers

/// `passant-sim` bytes of an IR2 node for `minutes`, written as fast as possible.
private func simulatedCapture(minutes: Int, in directory: URL) async throws -> String {
    let capture = directory.appendingPathComponent("walk.pcnt").path
    let (status, _, errors) = try await run(
        "passant-sim",
        [
            "--output", capture, "--fast", "--scenario", "moderate", "--duration", "\(minutes * 60)", "--start",
            HostileInputTests.start, "--seed", "5",
        ])
    guard status == 0 else { throw EndToEndError("passant-sim failed: \(errors)") }
    return capture
}

private func writeConfig(port: String, database: String, socket: String?, in directory: URL) throws -> String {
    let config = directory.appendingPathComponent("passant.yaml")
    try """
    site: hostile
    node: gw
    bin_seconds: 60
    grace_seconds: 5
    control_socket: \(socket ?? "none")
    store: {path: \(database)}
    sensors:
      - {name: door, port: \(port), labels: {a_to_b: in, b_to_a: out}}
    """.write(to: config, atomically: true, encoding: .utf8)
    return config.path
}

private func statusJSON(config: String) async throws -> [String: Any] {
    let (status, output, errors) = try await run("passant", ["status", "--config", config, "--json"])
    guard status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
    else { throw EndToEndError("passant status failed (\(status)): \(errors)") }
    return object
}

private func countsByKey(_ bins: [[String: Any]]) -> [String: [Int]] {
    var counts: [String: [Int]] = [:]
    for bin in bins {
        counts[bin["start"] as? String ?? "?"] = [bin["a_to_b"] as? Int ?? -1, bin["b_to_a"] as? Int ?? -1]
    }
    return counts
}

private func shellStatus(_ command: String) async throws -> (Int32, String, String) {
    let process = try system("/bin/sh", ["-c", command])
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, "", text)
}

private func shellSync(_ command: String) throws -> Int32 {
    let process = try system("/bin/sh", ["-c", command])
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
