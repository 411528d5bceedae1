import CountBins
import Foundation
import GRDB
import Testing

@testable import Store

#if canImport(Glibc)
    import Glibc
#endif

/// A gateway loses power or is killed with the store open. A child process writes through the store
/// and is killed with SIGKILL in the middle of a second transaction, never closing anything; the
/// parent then opens the same file and must find every committed bin, none of the uncommitted ones,
/// and an intact database.
@Suite("BinStore after an unclean stop", .serialized)
struct UncleanStopTests {
    @Test("a writer killed with SIGKILL leaves every committed bin and no half transaction")
    func killedWriter() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        let committed = (0..<50).map { bin(minute: Int64($0), aToB: $0, bToA: 50 - $0) }
        let uncommitted = bin("never", minute: 0)

        // Run the same code once in this process first, so that the child, which has only the forking
        // thread, finds the Swift runtime's caches already filled and takes no lock another thread held.
        do {
            let warmUp = try BinStore(path: directory.path + "/warm-up.sqlite")
            try warmUp.save(committed)
            try warmUp.databaseWriter.write { db in
                var record = BinRecord(uncommitted)
                try record.insert(db)
            }
        }

        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let child = fork()
        if child == 0 {
            runChild(path: path, committed: committed, uncommitted: uncommitted, signal: fds[1])
        }
        #expect(child > 0)
        close(fds[1])
        defer { close(fds[0]) }

        // Wait (bounded) for the child to say it is inside the open transaction.
        var ready = [pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)]
        let polled = poll(&ready, 1, 60_000)
        var byte: UInt8 = 0
        let got = polled == 1 ? read(fds[0], &byte, 1) : -1
        kill(child, SIGKILL)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        try #require(got == 1 && byte == 1, "the child did not reach its open transaction (status \(status))")
        #expect(status & 0x7f == SIGKILL, "the child must have died by SIGKILL")

        // The committed transaction lives in the WAL, not yet checkpointed into the main file.
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 0)

        let reopened = try BinStore(path: path)
        #expect(try reopened.bins() == committed)
        #expect(try reopened.bin(for: uncommitted.key) == nil)
        let integrity = try reopened.databaseWriter.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
    }
}

/// The child: commits `committed`, opens a second transaction, tells the parent, and waits to be
/// killed. Never returns; exits with a distinct status on any failure (alarm: never hang the tests).
private func runChild(path: String, committed: [CountBin], uncommitted: CountBin, signal: Int32) -> Never {
    alarm(30)
    do {
        let store = try BinStore(path: path)
        try store.save(committed)
        try store.databaseWriter.write { db in
            var record = BinRecord(uncommitted)
            try record.insert(db)
            var byte: UInt8 = 1
            _ = write(signal, &byte, 1)
            while true { pause() }
        }
    } catch {
        _exit(3)
    }
    _exit(4)
}
