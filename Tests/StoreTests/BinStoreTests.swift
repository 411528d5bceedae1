import CountBins
import Foundation
import GRDB
import Testing

@testable import Store

@Suite("BinStore")
struct BinStoreTests {
    @Test("migrating an empty database creates the bin, delivery and gap tables and the keys' unique indexes")
    func migrationFromEmpty() throws {
        let store = try BinStore.inMemory()
        try store.databaseWriter.read { db in
            #expect(try db.tableExists("bin"))
            #expect(try db.tableExists("delivery"))
            #expect(
                try storeMigrator.appliedIdentifiers(db) == [
                    "v1 bins", "v2 dropped ranges", "v3 resume counts", "v4 fast movers", "v5 held bins",
                ])
            #expect(try db.tableExists("dropped_range"))
            #expect(try db.tableExists("dropped_range_delivery"))
            let gapUnique = try db.indexes(on: "dropped_range").filter(\.isUnique).map(\.columns)
            #expect(gapUnique.contains(["node", "sensor", "start", "until", "seconds"]))
            let unique = try db.indexes(on: "bin").filter(\.isUnique).map(\.columns)
            #expect(unique.contains(["node", "sensor", "start", "seconds"]))
            #expect(try db.columns(in: "delivery").map(\.name) == ["bin_id", "uplink", "state"])
            let foreignKeys = try db.foreignKeys(on: "delivery")
            #expect(foreignKeys.map(\.destinationTable) == ["bin"])
        }
    }

    @Test("a saved bin loads back with every field")
    func roundTrip() throws {
        let store = try BinStore.inMemory()
        let saved = bin(
            "gate-north", minute: 15, length: .fifteenMinutes, aToB: 120, bToA: 97, coverage: 0.875,
            flags: [.dataLost, .clockUnsynchronised, .noised], node: "lamp-17")
        try store.save([saved])
        #expect(try store.bin(for: saved.key) == saved)
        #expect(try store.bins() == [saved])
        #expect(try store.count() == 1)
    }

    @Test("fast movers load back as stored: counts when told apart, nil when not, and a change is a change")
    func fastMoversRoundTrip() throws {
        let store = try BinStore.inMemory(uplinks: ["mqtt"])
        var lidar = bin("lidar", minute: 0, aToB: 12, bToA: 9)
        lidar.fastMovers = FastMovers(aToB: 3, bToA: 0)
        let beams = bin("door", minute: 0, aToB: 4, bToA: 2)
        try store.save([lidar, beams])
        #expect(try store.bin(for: lidar.key) == lidar)
        #expect(try store.bin(for: beams.key)?.fastMovers == nil)
        try store.markDelivered([lidar.key], uplink: "mqtt")
        // Saved again with one more cyclist (a resumed bin): the new value must be delivered again.
        lidar.fastMovers?.aToB += 1
        try store.save([lidar])
        #expect(try store.bin(for: lidar.key) == lidar)
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max).map(\.key).contains(lidar.key))
    }

    @Test("a file from before fast movers is brought forward: its bins load with none, and new bins keep theirs")
    func migrationKeepsOlderBins() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try storeMigrator.migrate(queue, upTo: "v3 resume counts")
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO bin (node, sensor, start, seconds, a_to_b, b_to_a, coverage, flags) VALUES ('gw', 'door', 1795773600, 60, 5, 6, 1, 0)"
                )
            }
        }
        let store = try BinStore(path: path)
        let old = try store.bins()
        #expect(old.count == 1 && old[0].aToB == 5 && old[0].fastMovers == nil)
        var lidar = bin("lidar", minute: 1, aToB: 1, bToA: 1)
        lidar.fastMovers = FastMovers(aToB: 2, bToA: 7)
        try store.save([lidar])
        #expect(try store.bin(for: lidar.key) == lidar)
    }

    @Test("a row with one fast-mover column NULL is damage, not a bin")
    func halfAFastMoverPairIsRefused() throws {
        let store = try BinStore.inMemory()
        var lidar = bin("lidar", minute: 0, aToB: 1, bToA: 1)
        lidar.fastMovers = FastMovers(aToB: 1, bToA: 1)
        try store.save([lidar])
        try store.databaseWriter.write { db in try db.execute(sql: "UPDATE bin SET fast_b_to_a = NULL") }
        #expect(throws: StoreError.self) { try store.bins() }
    }

    @Test("a key not stored loads as nil")
    func missingKey() throws {
        let store = try BinStore.inMemory()
        try store.save([bin(minute: 0)])
        #expect(try store.bin(for: bin(minute: 1).key) == nil)
    }

    @Test("saving a stored key again replaces its counts, coverage and flags")
    func upsertReplaces() throws {
        let store = try BinStore.inMemory()
        let early = bin(aToB: 2, bToA: 0, coverage: 0.4, flags: [.closedEarly])
        try store.save([early])
        let final = bin(aToB: 7, bToA: 3, coverage: 0.95, flags: [.sensorRestarted])
        try store.save([final])
        #expect(try store.count() == 1)
        #expect(try store.bin(for: early.key) == final)
    }

    @Test("a bin saved again with new values is pending again on every uplink")
    func changedBinIsPendingAgain() throws {
        let store = try BinStore.inMemory()
        let early = bin(aToB: 2, flags: [.closedEarly])
        try store.save([early])
        try store.markDelivered([early.key], uplink: "mqtt")
        let final = bin(aToB: 5)
        try store.save([final])
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max) == [final])
    }

    @Test("a bin saved again with the same values stays delivered")
    func identicalResaveKeepsDelivery() throws {
        let store = try BinStore.inMemory()
        let once = bin()
        try store.save([once])
        try store.markDelivered([once.key], uplink: "mqtt")
        try store.save([once])
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max).isEmpty)
    }

    @Test("bins(from:to:sensor:) selects on bin start, `to` exclusive, and orders by start then sensor")
    func filteringAndOrder() throws {
        let store = try BinStore.inMemory()
        let bins = [
            bin("west", minute: 2), bin("east", minute: 1), bin("west", minute: 1), bin("east", minute: 0),
            bin("east", minute: 3),
        ]
        try store.save(bins)
        let all = try store.bins().map { "\($0.key.sensor)@\(($0.key.start - baseTime) / 60)" }
        #expect(all == ["east@0", "east@1", "west@1", "west@2", "east@3"])

        let window = try store.bins(from: baseTime + 60, to: baseTime + 180)
        #expect(window.map { ($0.key.start - baseTime) / 60 } == [1, 1, 2])

        let east = try store.bins(from: baseTime + 60, sensor: "east")
        #expect(east.map { ($0.key.start - baseTime) / 60 } == [1, 3])

        #expect(try store.bins(to: baseTime).isEmpty)
        #expect(try store.bins(sensor: "north").isEmpty)
    }

    @Test("pending lists undelivered bins that ended by the given time, oldest first, up to the limit")
    func pendingSelection() throws {
        let store = try BinStore.inMemory()
        try store.save([bin(minute: 2), bin(minute: 0), bin(minute: 1), bin(minute: 0, length: .fiveMinutes)])
        // At 08:02 the bins of 08:00 and 08:01 (one minute) have ended; the five-minute bin has not.
        let due = try store.pending(uplink: "mqtt", limit: 10, endingBefore: baseTime + 120)
        #expect(due.map(\.key) == [bin(minute: 0).key, bin(minute: 1).key])
        let first = try store.pending(uplink: "mqtt", limit: 1, endingBefore: .max)
        #expect(first.map(\.key) == [bin(minute: 0).key])
    }

    @Test("each uplink tracks its own deliveries")
    func deliveriesPerUplink() throws {
        let store = try BinStore.inMemory()
        let bins = [bin(minute: 0), bin(minute: 1), bin(minute: 2)]
        try store.save(bins)
        try store.markDelivered([bins[0].key, bins[1].key], uplink: "mqtt")
        try store.markDelivered([bins[1].key], uplink: "sensorthings")
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max) == [bins[2]])
        #expect(
            try store.pending(uplink: "sensorthings", limit: 10, endingBefore: .max) == [bins[0], bins[2]])
        // An uplink added to the config later finds everything pending.
        #expect(try store.pending(uplink: "new", limit: 10, endingBefore: .max) == bins)
        // Marking twice is harmless; unknown keys are ignored.
        try store.markDelivered([bins[0].key, bin(minute: 59).key], uplink: "mqtt")
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max) == [bins[2]])
    }

    @Test("saving nothing and marking nothing do nothing")
    func emptyBatches() throws {
        let store = try BinStore.inMemory()
        try store.save([])
        try store.markDelivered([], uplink: "mqtt")
        #expect(try store.count() == 0)
    }

    @Test("sizeInBytes grows with the bins stored")
    func size() throws {
        let store = try BinStore.inMemory()
        let empty = try store.sizeInBytes
        try store.save((0..<500).map { bin(minute: Int64($0)) })
        #expect(try store.sizeInBytes > empty)
    }
}

@Suite("BinStore on disk")
struct BinStoreFileTests {
    @Test("the file store uses WAL and synchronous=FULL on the writing connection")
    func pragmas() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        let (journalMode, writerSynchronous) = try store.databaseWriter.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            )
        }
        let readerSynchronous = try store.databaseWriter.read { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(journalMode == "wal")
        // 2 = FULL (0 OFF, 1 NORMAL, 3 EXTRA)
        #expect(writerSynchronous == 2)
        #expect(readerSynchronous == 2)
    }

    @Test("opening creates the missing parent directories")
    func createsDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/var/lib/passant/store.sqlite"
        let store = try BinStore(path: path)
        try store.save([bin()])
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("bins survive closing and reopening")
    func reopen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        do {
            let store = try BinStore(path: path)
            try store.save([bin(minute: 0), bin(minute: 1)])
            try store.markDelivered([bin(minute: 0).key], uplink: "mqtt")
        }
        let store = try BinStore(path: path)
        #expect(try store.count() == 2)
        #expect(
            try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max).map(\.key) == [
                bin(minute: 1).key
            ])
    }

    @Test("a directory that cannot be created gives an error naming the path and what to do")
    func directoryCannotBeCreated() throws {
        let directory = try TemporaryDirectory()
        let blocker = directory.path + "/not-a-directory"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let path = blocker + "/store.sqlite"
        let error = #expect(throws: StoreError.self) { try BinStore(path: path) }
        #expect(error?.kind == .cannotCreateDirectory)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("create \(blocker)") == true)
    }

    @Test("a file that is not a database is reported as corrupt, with what to do")
    func corruptFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        #expect(FileManager.default.createFile(atPath: path, contents: garbage))
        let error = #expect(throws: StoreError.self) { try BinStore(path: path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.description.contains("move \(path) aside") == true)
    }

    @Test("a file written by a newer passant is refused, not modified")
    func newerSchema() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        do {
            let store = try BinStore(path: path)
            try store.databaseWriter.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9 from the future')")
            }
        }
        let error = #expect(throws: StoreError.self) { try BinStore(path: path) }
        #expect(error?.kind == .tooNew)
    }

    @Test("disk full and read-only errors say what to do")
    func advice() {
        let full = StoreError(
            kind: .diskFull, path: "/var/lib/passant/store.sqlite", operation: "saving 1 bins",
            detail: "database or disk is full")
        #expect(full.description.contains("free space on the file system holding /var/lib/passant"))
        #expect(full.description.contains("counting continues in memory and retries"))
        let readOnly = StoreError.from(
            DatabaseError(resultCode: .SQLITE_READONLY, message: "attempt to write a readonly database"),
            path: "/var/lib/passant/store.sqlite", operation: "saving 1 bins")
        #expect(readOnly.kind == .readOnly)
        #expect(readOnly.description.contains("read-only"))
    }
}
