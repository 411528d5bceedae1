import CountBins
import Foundation
import GRDB
import Testing

@testable import Store

/// Pages in use, in bytes, without the WAL: what deletions act on.
private func contentBytes(_ store: BinStore) throws -> Int64 {
    try store.databaseWriter.read { db in try BinStore.contentBytes(db) }
}

private func integrity(_ store: BinStore) throws -> [String] {
    try store.databaseWriter.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
}

/// Minutes after `baseTime` of the stored bins of `sensor`, in order.
private func storedMinutes(_ store: BinStore, _ sensor: String = "door") throws -> [Int64] {
    try store.bins(sensor: sensor).map { ($0.key.start - baseTime) / 60 }
}

private let bothUplinks = ["mqtt", "sensorthings"]

@Suite("Retention")
struct RetentionTests {
    @Test("within its limits, enforce deletes nothing")
    func withinLimits() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        try store.save((0..<100).map { bin(minute: $0) })
        let report = try store.enforce(
            RetentionPolicy(maxBytes: 16 << 20, maxAgeSeconds: 86_400), now: baseTime + 3600,
            uplinks: bothUplinks)
        #expect(!report.deletedAny)
        #expect(report.gaps.isEmpty)
        #expect(report.isWithinLimit)
        #expect(try store.count() == 100)
    }

    @Test("over the size limit, bins every uplink confirmed go first, oldest first, without a gap")
    func deliveredGoFirst() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        try store.save((0..<1200).map { bin(minute: $0) })
        // The older half is confirmed by one uplink only: not delivered. The newer half by both.
        try store.markDelivered((0..<600).map { bin(minute: $0).key }, uplink: "mqtt")
        let newer = (600..<1200).map { bin(minute: $0).key }
        try store.markDelivered(newer, uplink: "mqtt")
        try store.markDelivered(newer, uplink: "sensorthings")

        let limit = try contentBytes(store) * 3 / 4
        let report = try store.enforce(RetentionPolicy(maxBytes: limit), now: baseTime, uplinks: bothUplinks)

        #expect(report.droppedUndelivered == 0)
        #expect(report.gaps.isEmpty)
        #expect(report.deletedDelivered > 0 && report.deletedDelivered < 600)
        #expect(report.isWithinLimit)
        #expect(try store.sizeInBytes <= limit)
        let remaining = try storedMinutes(store)
        // Every undelivered bin is still there; of the delivered ones, the newest are.
        #expect(Array(remaining.prefix(600)) == Array(0..<600))
        #expect(Array(remaining.dropFirst(600)) == Array((600 + Int64(report.deletedDelivered))..<1200))
        #expect(try store.gaps().isEmpty)
    }

    @Test("when delivered bins are not enough, the oldest go and one gap per sensor covers them")
    func undeliveredOldestGoWithAGap() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        for sensor in ["east", "west"] {
            try store.save((0..<1000).map { bin(sensor, minute: $0) })
        }
        // The newest 100 minutes of east are delivered everywhere: they go before any old bin.
        let delivered = (900..<1000).map { bin("east", minute: $0).key }
        try store.markDelivered(delivered, uplink: "mqtt")
        try store.markDelivered(delivered, uplink: "sensorthings")

        let limit = try contentBytes(store) / 2
        let report = try store.enforce(RetentionPolicy(maxBytes: limit), now: baseTime, uplinks: bothUplinks)

        #expect(report.isWithinLimit)
        #expect(try store.sizeInBytes <= limit)
        #expect(report.deletedDelivered == 100)
        let east = try storedMinutes(store, "east")
        let west = try storedMinutes(store, "west")
        // What is left of each sensor is a contiguous run ending where the undelivered bins end.
        let eastFirst = try #require(east.first)
        let westFirst = try #require(west.first)
        #expect(east == Array(eastFirst..<900))
        #expect(west == Array(westFirst..<1000))
        // Bins up to the same start go together, whatever the sensor.
        #expect(eastFirst == westFirst)

        let gaps = try store.gaps()
        #expect(
            gaps == [
                DroppedRange(
                    node: "gw-1", sensor: "east", start: baseTime, end: baseTime + eastFirst * 60,
                    length: .oneMinute, bins: Int(eastFirst)),
                DroppedRange(
                    node: "gw-1", sensor: "west", start: baseTime, end: baseTime + westFirst * 60,
                    length: .oneMinute, bins: Int(westFirst)),
            ])
        #expect(report.gaps == gaps)
        #expect(report.droppedUndelivered == 2 * Int(eastFirst))
        #expect(try store.pendingGaps(uplink: "mqtt", limit: 10) == gaps)
        #expect(try store.pendingGaps(uplink: "sensorthings", limit: 10) == gaps)
    }

    @Test("bins older than the age limit go: delivered ones plainly, undelivered ones with a gap")
    func ageLimit() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        // Ten days of hourly bins; the first day is delivered everywhere.
        let bins = (0..<240).map { bin(minute: $0 * 60, length: .oneHour) }
        try store.save(bins)
        for uplink in bothUplinks { try store.markDelivered(bins.prefix(24).map(\.key), uplink: uplink) }

        let now = baseTime + 10 * 86_400
        let report = try store.enforce(
            RetentionPolicy(maxAgeSeconds: 3 * 86_400), now: now, uplinks: bothUplinks)

        // A bin is older than three days when it ended by now − 3 days: hours 0..<168.
        #expect(try store.bins().map(\.key) == bins.suffix(72).map(\.key))
        #expect(report.deletedDelivered == 24)
        #expect(report.droppedUndelivered == 144)
        #expect(
            try store.gaps() == [
                DroppedRange(
                    node: "gw-1", sensor: "door", start: baseTime + 24 * 3600, end: baseTime + 168 * 3600,
                    length: .oneHour, bins: 144)
            ])
        // Enforcing again at the same time finds nothing more to do.
        #expect(
            try !store.enforce(RetentionPolicy(maxAgeSeconds: 3 * 86_400), now: now, uplinks: bothUplinks)
                .deletedAny)
    }

    @Test("an uplink that had confirmed every dropped bin finds the gap already delivered")
    func gapAlreadyDeliveredWhereNothingWasMissed() throws {
        let store = try BinStore.inMemory()
        let bins = (0..<10).map { bin(minute: $0) }
        try store.save(bins)
        try store.markDelivered(bins.map(\.key), uplink: "mqtt")
        try store.enforce(
            RetentionPolicy(maxAgeSeconds: 60), now: baseTime + 11 * 60, uplinks: bothUplinks)
        #expect(try store.count() == 0)
        #expect(try store.pendingGaps(uplink: "mqtt", limit: 10).isEmpty)
        #expect(try store.pendingGaps(uplink: "sensorthings", limit: 10).map(\.bins) == [10])
    }

    @Test("gap records are pending per uplink and marked delivered on each independently")
    func gapsPerUplink() throws {
        let store = try BinStore.inMemory()
        try store.save((0..<10).map { bin("east", minute: $0) } + (0..<10).map { bin("west", minute: $0) })
        try store.enforce(RetentionPolicy(maxAgeSeconds: 60), now: baseTime + 6 * 60, uplinks: bothUplinks)
        let gaps = try store.gaps()
        #expect(gaps.map(\.sensor) == ["east", "west"])
        #expect(gaps.map(\.bins) == [5, 5])

        #expect(try store.pendingGaps(uplink: "mqtt", limit: 1) == [gaps[0]])
        try store.markGapsDelivered([gaps[0]], uplink: "mqtt")
        #expect(try store.pendingGaps(uplink: "mqtt", limit: 10) == [gaps[1]])
        #expect(try store.pendingGaps(uplink: "sensorthings", limit: 10) == gaps)

        // Marking twice is harmless; a gap not stored is ignored.
        var unknown = gaps[1]
        unknown.start -= 60
        try store.markGapsDelivered([gaps[0], gaps[1], unknown], uplink: "mqtt")
        #expect(try store.pendingGaps(uplink: "mqtt", limit: 10).isEmpty)
        #expect(try store.pendingGaps(uplink: "sensorthings", limit: 10) == gaps)
        // An uplink configured later finds them pending too.
        #expect(try store.pendingGaps(uplink: "new", limit: 10) == gaps)

        // Confirmed everywhere, a gap is deleted with the next bins deleted.
        try store.markGapsDelivered([gaps[0]], uplink: "sensorthings")
        try store.enforce(RetentionPolicy(maxAgeSeconds: 60), now: baseTime + 8 * 60, uplinks: bothUplinks)
        #expect(try store.gaps().map(\.sensor) == ["west", "east", "west"])
    }

    @Test("with no uplink configured, every bin counts as delivered and no gap is recorded")
    func noUplinks() throws {
        let store = try BinStore.inMemory()
        try store.save((0..<10).map { bin(minute: $0) })
        let report = try store.enforce(
            RetentionPolicy(maxAgeSeconds: 60), now: baseTime + 6 * 60, uplinks: [])
        #expect(report.deletedDelivered == 5)
        #expect(report.droppedUndelivered == 0)
        #expect(try store.gaps().isEmpty)
    }

    @Test("a gap's key names node, sensor, range and bin length, and differs from any bin key")
    func gapKey() {
        let gap = DroppedRange(
            node: "gw-1", sensor: "door", start: baseTime, end: baseTime + 600, length: .oneMinute, bins: 7)
        #expect(gap.key == "gw-1/door/\(baseTime)-\(baseTime + 600)/60")
        #expect(gap.key != bin(minute: 0).key.description)
    }
}

@Suite("Retention while counting")
struct RetentionWhileCountingTests {
    @Test("saving keeps working past the size limit, which holds after every enforce, ± one batch")
    func fillingBeyondTheLimit() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite", uplinks: ["mqtt"])
        let policy = RetentionPolicy(maxBytes: 256 << 10)
        let maxBytes = try #require(policy.maxBytes)
        let lowWater = try #require(policy.lowWaterBytes)
        var saved = 0
        var filled = false
        // Two sensors, an hour of one-minute bins per save, five days in all: about three times the limit.
        for hour in 0..<Int64(120) {
            let bins = ["east", "west"].flatMap { sensor in
                (0..<Int64(60)).map { bin(sensor, minute: hour * 60 + $0) }
            }
            try store.save(bins)
            saved += bins.count
            // The uplink keeps up with every other hour only.
            if hour.isMultiple(of: 2) { try store.markDelivered(bins.map(\.key), uplink: "mqtt") }
            let report = try store.enforce(policy, now: baseTime + (hour + 1) * 3600, uplinks: ["mqtt"])
            #expect(report.isWithinLimit)
            let size = try store.sizeInBytes
            #expect(size <= maxBytes)
            if report.deletedAny { filled = true }
            // Once full, a deletion goes below the low-water mark by a few pages at most (its slack
            // for the partly emptied page each B-tree keeps).
            if filled { #expect(size >= lowWater - 6 * 4096, "at hour \(hour)") }
        }
        #expect(filled)
        #expect(try integrity(store) == ["ok"])

        // Every bin saved is either stored or accounted for: delivered and deleted, or in a gap.
        let gaps = try store.gaps()
        #expect(!gaps.isEmpty)
        let stored = try store.count()
        let delivered = saved - stored - gaps.reduce(0) { $0 + $1.bins }
        #expect(delivered > 0)
        // Per sensor, gaps follow each other and end before what is stored.
        for sensor in ["east", "west"] {
            let own = gaps.filter { $0.sensor == sensor }
            for (earlier, later) in zip(own, own.dropFirst()) { #expect(earlier.end <= later.start) }
            let firstStored = try #require(store.bins(sensor: sensor).first?.key.start)
            #expect(try #require(own.last).end <= firstStored)
        }
    }

    @Test("when SQLite reports the disk full, save makes room and retries, and every save succeeds")
    func diskFull() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite", uplinks: ["mqtt"])
        // A database that cannot grow beyond 64 pages (256 KiB, about 2,500 bins) fails like a full
        // disk (SQLITE_FULL).
        let maxPages = try store.databaseWriter.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA max_page_count = 64")
        }
        #expect(maxPages == 64)
        var madeRoom: [RetentionReport] = []
        for hour in 0..<Int64(96) {
            let bins = (0..<Int64(60)).map { bin(minute: hour * 60 + $0) }
            if let report = try store.save(bins) { madeRoom.append(report) }
            if hour < 4 { try store.markDelivered(bins.map(\.key), uplink: "mqtt") }
        }
        #expect(!madeRoom.isEmpty)
        // The first room came from the delivered bins.
        #expect(madeRoom.first?.deletedDelivered ?? 0 > 0)
        #expect(madeRoom.first?.droppedUndelivered == 0)
        #expect(madeRoom.contains { !$0.gaps.isEmpty })
        // The newest hour is stored whole.
        #expect(try store.bins(from: baseTime + 95 * 3600).count == 60)
        #expect(try integrity(store) == ["ok"])
        let pages = try store.databaseWriter.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") }
        #expect(try #require(pages) <= 64)
    }

    @Test("when even making room cannot help, the error says so and what to do")
    func diskFullBeyondHelp() throws {
        let directory = try TemporaryDirectory()
        let store = try BinStore(path: directory.path + "/store.sqlite")
        try store.databaseWriter.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let error = #expect(throws: StoreError.self) { try store.save((0..<500).map { bin(minute: $0) }) }
        #expect(error?.kind == .diskFull)
        #expect(error?.description.contains("making room did not help") == true)
        #expect(error?.description.contains("free space on the file system") == true)
        #expect(try store.count() == 0)
    }
}

@Suite("Store migrations")
struct MigrationTests {
    @Test("a file written with schema v1 keeps its bins and deliveries when migrated to v2")
    func v1ToV2() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/store.sqlite"
        let bins = (0..<20).map { bin(minute: $0, aToB: Int($0), bToA: 1) }
        do {
            let v1 = try DatabaseQueue(path: path)
            try storeMigrator.migrate(v1, upTo: "v1 bins")
            try v1.write { db in
                for bin in bins {
                    // The columns of v1, as a passant of that time wrote them.
                    try db.execute(
                        sql:
                            "INSERT INTO bin (node, sensor, start, seconds, a_to_b, b_to_a, coverage, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            bin.key.node, bin.key.sensor, bin.key.start, bin.key.length.seconds, bin.aToB, bin.bToA,
                            bin.coverage, bin.flags.rawValue,
                        ])
                    if bin.key.start < baseTime + 5 * 60 {
                        try DeliveryRecord(binID: db.lastInsertedRowID, uplink: "mqtt", state: .delivered).insert(db)
                    }
                }
            }
            #expect(try !v1.read { db in try db.tableExists("dropped_range") })
        }
        let store = try BinStore(path: path)
        let (migrations, tables) = try store.databaseWriter.read { db in
            (
                try storeMigrator.appliedIdentifiers(db),
                try db.tableExists("dropped_range") && db.tableExists("dropped_range_delivery")
            )
        }
        #expect(
            migrations == ["v1 bins", "v2 dropped ranges", "v3 resume counts", "v4 fast movers", "v5 held bins"])
        #expect(tables)
        #expect(try store.bins() == bins)
        #expect(try store.pending(uplink: "mqtt", limit: 100, endingBefore: .max) == Array(bins.dropFirst(5)))
        #expect(try store.gaps().isEmpty)
        #expect(try integrity(store) == ["ok"])
    }
}
