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
///
/// The child is this test binary run again with a filter that selects only
/// `childWritesAndWaitsToBeKilled`, which is enabled only in that child. (A `fork()` of the test
/// process was tried first: with the test runner's other threads holding runtime and dispatch locks
/// at the moment of the fork, the child sometimes hung.)
@Suite("BinStore after an unclean stop")
struct UncleanStopTests {
    static let childVariable = "PASSANT_STORE_KILLED_CHILD"
    static let committed = (0..<50).map { bin(minute: Int64($0), aToB: $0, bToA: 50 - $0) }
    static let uncommitted = bin("never", minute: 0)

    @Test("a writer killed with SIGKILL leaves every committed bin and no half transaction")
    func killedWriter() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        let ready = path + ".child-in-transaction"

        let child = Process()
        child.executableURL = URL(
            fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childWritesAndWaitsToBeKilled"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Wait (bounded) for the child to be inside its open transaction.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready) && child.isRunning && Date() < deadline {
            usleep(10_000)
        }
        let reached = FileManager.default.fileExists(atPath: ready)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        try #require(
            reached, "the child did not reach its open transaction (exit status \(child.terminationStatus))")
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

        // The committed transaction is in the WAL, not yet checkpointed into the main file.
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 0)

        let reopened = try BinStore(path: path)
        #expect(try reopened.bins() == Self.committed)
        #expect(try reopened.bin(for: Self.uncommitted.key) == nil)
        let integrity = try reopened.databaseWriter.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check")
        }
        #expect(integrity == ["ok"])
    }

    /// The child's part: commits `committed`, opens a second transaction, says so with a marker file,
    /// and waits to be killed.
    @Test(
        "(child of the SIGKILL test: runs only in the child process)",
        .enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil))
    func childWritesAndWaitsToBeKilled() throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.childVariable])
        let store = try BinStore(path: path)
        try store.save(Self.committed)
        try store.databaseWriter.write { db in
            var record = BinRecord(Self.uncommitted)
            try record.insert(db)
            _ = FileManager.default.createFile(atPath: path + ".child-in-transaction", contents: nil)
            sleep(120)
        }
        Issue.record("the child was not killed")
    }
}
