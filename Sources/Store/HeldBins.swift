// Bins held for the system clock (table `held_bin`, migration "v5 held bins").
//
// Until the system clock is synchronised, `ClockKeeper` holds closed bins instead of storing them: their
// UTC time is not known yet. Held only in memory, a crash or a power cut before synchronisation would
// lose them, so each sensor loop keeps this table equal to what its keeper holds, in the same
// transaction as the bins it stores (`save(_:resumeCounts:held:)`): a bin is always either held here
// or stored in `bin`, never both, never neither.
//
// At the next start a held row of the same boot is taken back into the keeper (its boot-relative start
// still means something); a row of an earlier boot (a power cut) becomes an ordinary bin with the time
// the unsynchronised clock gave it, flagged `clock-unsynchronised` (`placeHeld`).

import CountBins
import GRDB

/// A bin closed before the system clock was synchronised, kept until its time is known.
public struct HeldBin: Sendable, Hashable {
    /// The bin on the unsynchronised clock, with its true counts (the privacy policy is applied when it
    /// becomes an ordinary bin).
    public var bin: CountBin
    /// The boot it was counted in (/proc/sys/kernel/random/boot_id).
    public var bootID: String
    /// Its start on that boot's clock, seconds since boot, a whole bin (`ClockKeeper.bootStart(of:)`).
    public var bootStart: Int64

    public init(bin: CountBin, bootID: String, bootStart: Int64) {
        self.bin = bin
        self.bootID = bootID
        self.bootStart = bootStart
    }
}

/// What one sensor holds now: `save` makes the sensor's rows of `held_bin` equal to `bins`.
public struct HeldSet: Sendable, Hashable {
    public var sensor: String
    public var bins: [HeldBin]

    public init(sensor: String, bins: [HeldBin]) {
        self.sensor = sensor
        self.bins = bins
    }
}

/// A row of `held_bin`: the columns of a row of `bin` (`BinRecord`), and the boot it was counted in.
struct HeldBinRecord: Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "held_bin"

    var id: Int64?
    var bootID: String
    var bootStart: Int64
    /// The bin's columns (its `id` is this row's, kept here in `id`).
    var bin: BinRecord

    enum Columns {
        static let id = Column("id")
        static let bootID = Column("boot_id")
        static let bootStart = Column("boot_start")
        static let sensor = BinRecord.Columns.sensor
        static let start = BinRecord.Columns.start
    }

    init(_ held: HeldBin) {
        id = nil
        bootID = held.bootID
        bootStart = held.bootStart
        bin = BinRecord(held.bin)
    }

    init(row: Row) throws {
        id = row[Columns.id]
        bootID = row[Columns.bootID]
        bootStart = row[Columns.bootStart]
        bin = try BinRecord(row: row)
        bin.id = nil
    }

    func encode(to container: inout PersistenceContainer) throws {
        try bin.encode(to: &container)
        container[Columns.id] = id
        container[Columns.bootID] = bootID
        container[Columns.bootStart] = bootStart
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The held bin this row holds; throws for a row no passant could have written.
    func heldBin() throws -> HeldBin {
        var row = bin
        row.id = id
        return HeldBin(bin: try row.countBin(), bootID: bootID, bootStart: bootStart)
    }

    /// Makes `set.sensor`'s rows equal to `set.bins`, writing only what changed (a day without a clock
    /// adds one row per bin, not a rewrite of all of them).
    static func replace(with set: HeldSet, _ db: Database) throws {
        // Keys are unique per sensor, so rows are unique and a set is exact.
        var wanted = Set(set.bins.lazy.filter { $0.bin.key.sensor == set.sensor }.map(HeldBinRecord.init))
        for row in try filter(Columns.sensor == set.sensor).fetchAll(db) {
            var comparable = row
            comparable.id = nil
            if wanted.remove(comparable) == nil { try row.delete(db) }
        }
        for var row in wanted.sorted(by: { $0.bin.start < $1.bin.start }) { try row.insert(db) }
    }
}

extension BinStore {
    /// The bins held for the clock, of one sensor or all, oldest first.
    public func heldBins(sensor: String? = nil) throws(StoreError) -> [HeldBin] {
        try read("reading the bins held for the clock") { db in
            var request = HeldBinRecord.all()
            if let sensor { request = request.filter(HeldBinRecord.Columns.sensor == sensor) }
            return try request.order(HeldBinRecord.Columns.start, HeldBinRecord.Columns.id).fetchAll(db)
                .map { try $0.heldBin() }
        }
    }

    /// How many bins are held waiting for the clock (for `passant status`).
    public func heldCount() throws(StoreError) -> Int {
        try read("counting the bins held for the clock") { db in try HeldBinRecord.fetchCount(db) }
    }

    /// Ordinary bins for held rows whose time can no longer be corrected (counted in an earlier boot:
    /// the boot-relative start means nothing now): each keeps the key the unsynchronised clock gave it,
    /// flagged `clock-unsynchronised`. A row whose key is already stored — or taken by another row —
    /// never reopens it: its counts join the first free bin after the sensor's stored bins, the rule
    /// `ClockKeeper` follows after a step back. Nothing is written: store the result with
    /// `save(_:held:)`, which also removes the rows, in one transaction.
    public func placeHeld(_ rows: [HeldBin]) throws(StoreError) -> [CountBin] {
        guard !rows.isEmpty else { return [] }
        return try read("placing \(rows.count) bins held for the clock") { db in
            var placed: [BinKey: CountBin] = [:]
            var overflow: [String: [CountBin]] = [:]
            for held in rows.sorted(by: { $0.bin.key.start < $1.bin.key.start }) {
                var bin = held.bin
                bin.flags.insert(.clockUnsynchronised)
                // Counted in a boot that is over: the bin can never be continued, its value is final.
                bin.flags.remove(.closedEarly)
                if placed[bin.key] == nil, try BinRecord.matching(bin.key).fetchCount(db) == 0 {
                    placed[bin.key] = bin
                } else {
                    overflow[bin.key.sensor, default: []].append(bin)
                }
            }
            for (sensor, bins) in overflow {
                let length = bins[0].key.length
                var end =
                    try Int64.fetchOne(
                        db, sql: "SELECT MAX(start + seconds) FROM bin WHERE sensor = ?", arguments: [sensor])
                    ?? .min
                for bin in placed.values where bin.key.sensor == sensor { end = max(end, bin.key.end) }
                // The first whole bin at or after everything stored for the sensor.
                let start =
                    end == .min
                    ? bins[0].key.start : length.start(containing: end * 1000 + length.seconds * 1000 - 1)
                var merged = bins[0]
                merged.key.start = start
                for bin in bins.dropFirst() { merged.absorb(bin) }
                placed[merged.key] = merged
            }
            return placed.values.sorted { ($0.key.start, $0.key.sensor) < ($1.key.start, $1.key.sensor) }
        }
    }
}
