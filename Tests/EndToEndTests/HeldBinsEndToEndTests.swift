// A gateway whose clock is not synchronised yet: passantd holds the closed bins (in the store's
// `held_bin`, not in `bin`), is killed with SIGKILL, comes back in the same boot, and when the clock is
// synchronised (here: `--time-sync FILE` and the file appears) every bin held before the kill is
// stored with its time, unflagged, with its counts exactly once.

import CountBins
import Foundation
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("End to end, bins held for the clock", .serialized)
struct HeldBinsEndToEndTests {
    @Test func binsHeldBeforeAKillAreStampedAtSynchronisationExactlyOnce() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        let synchronised = directory.appendingPathComponent("synchronized").path
        // People every few seconds, in real time (the bins follow the system clock).
        let simulator = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "sparse", "--rate-a-to-b", "900", "--rate-b-to-a", "700", "--duration",
                "240", "--seed", "5", "--bin-seconds", "60",
            ])
        let pty = String(try await simulator.line(startingWith: "pty ", within: 20).dropFirst(4))
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        node: gw
        bin_seconds: 60
        grace_seconds: 3
        store: {path: \(database)}
        control_socket: \(directory.appendingPathComponent("control.sock").path)
        sensors:
          - {name: door, port: \(pty)}
        """.write(to: config, atomically: true, encoding: .utf8)
        let arguments = ["--config", config.path, "--time-sync", synchronised]

        let first = try Program("passantd", arguments)
        try await first.log(containing: "the system clock is not synchronised", within: 20)
        try await waitUntil(within: 150, "a closed bin with people in it held in the store") {
            try BinStore(path: database).heldBins().contains { $0.bin.aToB + $0.bin.bToA > 0 }
        }
        first.signal(SIGKILL)
        _ = try await first.exit(within: 10)

        let store = try BinStore(path: database)
        let held = try store.heldBins()
        #expect(try store.count() == 0, "nothing stored with an unknown time")
        #expect(held.allSatisfy { $0.bin.flags.contains(.clockUnsynchronised) })
        #expect(held.allSatisfy { $0.bootStart % 60 == 0 && $0.bin.key.start % 60 == 0 })
        // What a technician sees meanwhile: the held bins in the status and the audit, nothing wrong.
        let (statusExit, statusText, _) = try await run("passant", ["status", "--config", config.path])
        #expect(statusExit == 3)
        #expect(statusText.contains("\(held.count) bins held waiting for the system clock"), "\(statusText)")
        let (_, audit, _) = try await run("passant", ["privacy", "audit", "--db", database])
        #expect(audit.contains("held_bin: \(held.count) rows"), "\(audit)")
        #expect(!audit.contains("problem:"), "\(audit)")

        let second = try Program("passantd", arguments)
        try await second.log(containing: "taking back \(held.count) bins held for the clock", within: 20)
        try await Task.sleep(for: .seconds(2))
        try createEmptyFile(synchronised)
        try await waitUntil(within: 20, "the held bins stored") {
            let stored = Set(try store.bins().map(\.key))
            return try store.heldCount() == 0 && held.allSatisfy { stored.contains($0.bin.key) }
        }
        second.signal(SIGTERM)
        #expect(try await second.exit(within: 20) == 0)
        simulator.signal(SIGTERM)

        let bins = try store.bins()
        #expect(Set(bins.map(\.key)).count == bins.count)
        for row in held {
            let stored = bins.filter { $0.key == row.bin.key }
            #expect(stored.count == 1)
            // The same counts (not added to anything, not twice), and no longer flagged: the clock was
            // right all along, only unconfirmed.
            #expect(stored.first?.aToB == row.bin.aToB && stored.first?.bToA == row.bin.bToA, "\(row) → \(stored)")
            #expect(stored.first?.flags.contains(.clockUnsynchronised) == false, "\(stored)")
        }
        #expect(try store.heldCount() == 0)
    }
}

private func waitUntil(within seconds: Double, _ what: String, _ condition: () async throws -> Bool)
    async throws
{
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(500))
    }
    throw EndToEndError("not within \(seconds) s: \(what)")
}
