import CountBins
import Foundation
import GRDB
import Testing

@testable import Store

@Suite("BinStore: resume counts and inventory")
struct ResumeCountsTests {
    @Test(
        "the true counts of a bin closed early are kept beside its published value until it is saved for good"
    )
    func keptUntilFinal() throws {
        let store = try BinStore.inMemory(uplinks: ["mqtt"])
        let published = bin(minute: 0, aToB: 0, bToA: 0, flags: [.closedEarly, .suppressed])
        try store.save([published], resumeCounts: [published.key: ResumeCounts(aToB: 2, bToA: 1)])
        #expect(try store.bin(for: published.key) == published)
        #expect(try store.resumeCounts(for: published.key) == ResumeCounts(aToB: 2, bToA: 1))
        // Uplinks see the published value only.
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max) == [published])

        let final = bin(minute: 0, aToB: 7, bToA: 3, flags: [.noised])
        try store.save([final])
        #expect(try store.resumeCounts(for: final.key) == nil)
        #expect(
            try store.databaseWriter.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resume_count")
            } == 0)
    }

    @Test("saving the same published value again still erases the true counts")
    func erasedEvenWhenUnchanged() throws {
        let store = try BinStore.inMemory()
        let published = bin(minute: 0, aToB: 4, bToA: 0, flags: [.noised])
        try store.save([published], resumeCounts: [published.key: ResumeCounts(aToB: 3, bToA: 0)])
        try store.save([published])
        #expect(try store.resumeCounts(for: published.key) == nil)
    }

    @Test("at start, every sensor's true counts but those of the bin being resumed are erased")
    func eraseAllButCurrent() throws {
        let store = try BinStore.inMemory()
        let old = bin(minute: 0, aToB: 0, bToA: 0, flags: [.closedEarly])
        let current = bin(minute: 5, aToB: 0, bToA: 0, flags: [.closedEarly])
        let other = bin("gate", minute: 0, aToB: 0, bToA: 0, flags: [.closedEarly])
        let counts = ResumeCounts(aToB: 1, bToA: 1)
        try store.save(
            [old, current, other], resumeCounts: [old.key: counts, current.key: counts, other.key: counts])
        #expect(try store.eraseResumeCounts(sensor: "door", except: current.key) == 1)
        #expect(try store.resumeCounts(for: old.key) == nil)
        #expect(try store.resumeCounts(for: current.key) == counts)
        #expect(try store.resumeCounts(for: other.key) == counts)
        #expect(try store.eraseResumeCounts(sensor: "door") == 1)
        #expect(try store.resumeCounts(for: current.key) == nil)
    }

    @Test("a noised bin is read back for every retry with the value drawn once")
    func retriesResendTheStoredValue() throws {
        let store = try BinStore.inMemory(uplinks: ["mqtt"])
        let noised = bin(minute: 0, aToB: 5, bToA: 0, flags: [.noised])
        try store.save([noised])
        let first = try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max)
        let retry = try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max)
        #expect(first == [noised] && retry == [noised])
    }

    @Test("the inventory lists every table and column from SQLite itself and counts bins by policy flag")
    func inventory() throws {
        let store = try BinStore.inMemory()
        try store.save([
            bin(minute: 0, aToB: 0, bToA: 5, flags: [.suppressed]),
            bin(minute: 1, aToB: 2, bToA: 9),
            bin(minute: 2, aToB: 4, bToA: 4, flags: [.noised]),
            bin(minute: 15, length: .fifteenMinutes, aToB: 30, bToA: 12),
        ])
        var inventory = try store.inventory(minimumCount: 3, now: baseTime + 3600)
        #expect(
            inventory.tables.map(\.name) == [
                "bin", "delivery", "dropped_range", "dropped_range_delivery", "grdb_migrations", "held_bin",
                "resume_count",
            ])
        let binTable = inventory.tables[0]
        #expect(binTable.rows == 4)
        #expect(
            binTable.columns.map(\.name) == [
                "id", "node", "sensor", "start", "seconds", "a_to_b", "b_to_a", "coverage", "flags", "fast_a_to_b",
                "fast_b_to_a",
            ])
        #expect(binTable.columns.filter(\.holdsTime).map(\.name) == ["start"])
        #expect(binTable.columns.first { $0.name == "start" }?.offMinuteValues == 0)
        #expect(inventory.binLengths == [60: 3, 900: 1])
        #expect(inventory.suppressedBins == 1 && inventory.noisedBins == 1 && inventory.smallCountBins == 1)
        #expect(inventory.newestBin?.key.length == .fifteenMinutes)

        // A column added later is listed without anyone telling the inventory, and a time in it that is
        // finer than a minute is found.
        try store.databaseWriter.write { db in
            try db.execute(sql: "ALTER TABLE bin ADD COLUMN saved_at INTEGER")
            try db.execute(sql: "UPDATE bin SET saved_at = start + 17 WHERE id = 1")
        }
        inventory = try store.inventory(minimumCount: 3, now: baseTime + 3600)
        let added = inventory.tables[0].columns.last
        #expect(added?.name == "saved_at" && added?.holdsTime == true && added?.offMinuteValues == 1)
    }

    @Test("true counts kept past their bin's end are counted as stale")
    func staleResumeCounts() throws {
        let store = try BinStore.inMemory()
        let early = bin(minute: 0, aToB: 0, bToA: 0, flags: [.closedEarly])
        try store.save([early], resumeCounts: [early.key: ResumeCounts(aToB: 1, bToA: 0)])
        #expect(try store.inventory(minimumCount: 1, now: baseTime + 30).staleResumeCounts == 0)
        let later = try store.inventory(minimumCount: 1, now: baseTime + 60)
        #expect(later.resumeCounts == 1 && later.staleResumeCounts == 1)
        #expect(later.newestResumeCounts == ResumeCounts(aToB: 1, bToA: 0))
    }
}
