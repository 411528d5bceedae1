import CountBins
import Foundation
import GRDB
import Testing

@testable import Store

private func held(_ minute: Int64, aToB: Int = 2, boot: String = "boot-1", flags: BinFlags = [.clockUnsynchronised])
    -> HeldBin
{
    HeldBin(
        bin: bin(minute: minute, aToB: aToB, bToA: 0, flags: flags), bootID: boot,
        bootStart: 600 + minute * 60)
}

@Suite("Bins held for the clock")
struct HeldBinsTests {
    @Test func heldBinsAreKeptApartFromTheBinsAndNeverPending() throws {
        let store = try BinStore.inMemory(uplinks: ["mqtt"])
        try store.save([bin(minute: 0)], held: HeldSet(sensor: "door", bins: [held(1), held(2)]))
        #expect(try store.heldBins(sensor: "door") == [held(1), held(2)])
        #expect(try store.heldCount() == 2)
        #expect(try store.count() == 1)
        let pending = try store.pending(uplink: "mqtt", limit: 100, endingBefore: .max)
        #expect(pending.map(\.key.start) == [baseTime])
        #expect(try store.bins().count == 1)
    }

    @Test func savingMakesTheSensorsRowsEqualToWhatItHoldsWritingOnlyTheChanges() throws {
        let store = try BinStore.inMemory()
        let other = HeldBin(
            bin: bin("gate", minute: 1, flags: [.clockUnsynchronised]), bootID: "boot-1", bootStart: 660)
        try store.save([], held: HeldSet(sensor: "gate", bins: [other]))
        try store.save([], held: HeldSet(sensor: "door", bins: [held(1), held(2)]))
        let firstIDs = try store.databaseWriter.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM held_bin WHERE sensor = 'door' ORDER BY start")
        }
        // One more bin closed, one merged with a continuation: the unchanged row stays as it is.
        try store.save([], held: HeldSet(sensor: "door", bins: [held(1), held(2, aToB: 5), held(3)]))
        let rows = try store.databaseWriter.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM held_bin WHERE sensor = 'door' ORDER BY start")
        }
        #expect(rows.first == firstIDs.first)
        #expect(try store.heldBins(sensor: "door") == [held(1), held(2, aToB: 5), held(3)])
        // Released at synchronisation: the bins go to `bin` as the rows go, in one transaction.
        let moved = [bin(minute: 61), bin(minute: 62), bin(minute: 63)]
        try store.save(moved, held: HeldSet(sensor: "door", bins: []))
        #expect(try store.heldBins(sensor: "door").isEmpty)
        #expect(try store.bins().map(\.key.start) == moved.map(\.key.start))
        // Another sensor's rows are its own.
        #expect(try store.heldBins(sensor: "gate") == [other])
    }

    @Test func aLidarsHeldBinKeepsItsFastMoversAndABeamCountersHasNone() throws {
        let store = try BinStore.inMemory()
        var lidar = HeldBin(
            bin: bin("lidar", minute: 1, flags: [.clockUnsynchronised]), bootID: "boot-1", bootStart: 660)
        lidar.bin.fastMovers = FastMovers(aToB: 4, bToA: 1)
        try store.save([], held: HeldSet(sensor: "lidar", bins: [lidar]))
        try store.save([], held: HeldSet(sensor: "door", bins: [held(1)]))
        #expect(try store.heldBins(sensor: "lidar") == [lidar])
        #expect(try store.heldBins(sensor: "door").first?.bin.fastMovers == nil)
    }

    @Test func heldBinsSurviveReopeningTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        do {
            let store = try BinStore(path: path)
            try store.save([], held: HeldSet(sensor: "door", bins: [held(1), held(2)]))
        }
        let reopened = try BinStore(path: path)
        #expect(try reopened.heldBins() == [held(1), held(2)])
    }

    @Test func aFailedSaveKeepsTheHeldRowsAsTheyWere() throws {
        let store = try BinStore.inMemory()
        try store.save([], held: HeldSet(sensor: "door", bins: [held(1)]))
        // A store that refuses the bin rows makes the transaction fail after the held rows were changed.
        try store.databaseWriter.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON bin BEGIN SELECT RAISE(ABORT, 'no'); END")
        }
        #expect(throws: StoreError.self) {
            try store.save([bin(minute: 61)], held: HeldSet(sensor: "door", bins: []))
        }
        #expect(try store.heldBins(sensor: "door") == [held(1)])
        #expect(try store.count() == 0)
    }

    @Test func rowsOfAnEarlierBootKeepTheirKeyFlaggedWhenItIsFree() throws {
        let store = try BinStore.inMemory()
        let rows = [held(1, flags: [.clockUnsynchronised, .closedEarly]), held(2)]
        let placed = try store.placeHeld(rows)
        #expect(placed.map(\.key.start) == [baseTime + 60, baseTime + 120])
        #expect(placed.allSatisfy { $0.flags == [.clockUnsynchronised] }, "closed early in a boot that is over: final")
        #expect(placed.map(\.aToB) == [2, 2])
        // Nothing is written by placing.
        #expect(try store.count() == 0)
    }

    @Test func aHeldRowWhoseKeyIsStoredJoinsTheFirstFreeBinAndNeverReopensIt() throws {
        let store = try BinStore.inMemory()
        // The previous boot (synchronised) stored 08:00–08:05; the power-cut boot's clock restarted at
        // 08:02 (a saved time), so its held bins fall on stored keys, then on free ones.
        try store.save((0..<5).map { bin(minute: $0, aToB: 10) })
        let rows = [held(2, aToB: 1), held(3, aToB: 2), held(7, aToB: 4)]
        let placed = try store.placeHeld(rows)
        // 08:07 is free and kept; 08:02 and 08:03 are taken: their 3 walkers go to the first free bin
        // after everything stored and placed (08:08).
        #expect(placed.map(\.key.start) == [baseTime + 7 * 60, baseTime + 8 * 60])
        #expect(placed.map(\.aToB) == [4, 3])
        #expect(placed.allSatisfy { $0.flags.contains(.clockUnsynchronised) })
        try store.save(placed, held: HeldSet(sensor: "door", bins: []))
        let all = try store.bins()
        #expect(all.count == 7)
        #expect(all.prefix(5).allSatisfy { $0.aToB == 10 }, "stored bins untouched")
        #expect(all.reduce(0) { $0 + $1.aToB } == 50 + 7, "every count once")
        #expect(try store.heldCount() == 0)
    }

    @Test func thePrivacyAuditSeesTheTableAndFindsNoTimeFinerThanABin() throws {
        let store = try BinStore.inMemory()
        try store.save([bin(minute: 0)], held: HeldSet(sensor: "door", bins: [held(1), held(2)]))
        let inventory = try store.inventory(minimumCount: 1, now: baseTime + 3600)
        let table = try #require(inventory.tables.first { $0.name == "held_bin" })
        #expect(table.rows == 2)
        #expect(inventory.heldBins == 2)
        let times = table.columns.filter(\.holdsTime).map(\.name).sorted()
        #expect(times == ["boot_start", "start"])
        #expect(table.columns.allSatisfy { ($0.offMinuteValues ?? 0) == 0 })
    }
}
