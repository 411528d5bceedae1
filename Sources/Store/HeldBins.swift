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

/// A row of `held_bin`.
struct HeldBinRecord: Codable, Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "held_bin"

    var id: Int64?
    var bootID: String
    var bootStart: Int64
    var node: String
    var sensor: String
    var start: Int64
    var seconds: Int64
    var aToB: Int64
    var bToA: Int64
    var coverage: Double
    var flags: Int64
    var fastAToB: Int64?
    var fastBToA: Int64?

    enum CodingKeys: String, CodingKey {
        case id, node, sensor, start, seconds, coverage, flags
        case bootID = "boot_id"
        case bootStart = "boot_start"
        case aToB = "a_to_b"
        case bToA = "b_to_a"
        case fastAToB = "fast_a_to_b"
        case fastBToA = "fast_b_to_a"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let sensor = Column(CodingKeys.sensor)
        static let start = Column(CodingKeys.start)
    }

    init(_ held: HeldBin) {
        let row = BinRecord(held.bin)
        id = nil
        bootID = held.bootID
        bootStart = held.bootStart
        node = row.node
        sensor = row.sensor
        start = row.start
        seconds = row.seconds
        aToB = row.aToB
        bToA = row.bToA
        coverage = row.coverage
        flags = row.flags
        fastAToB = row.fastAToB
        fastBToA = row.fastBToA
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The held bin this row holds; throws for a row no passant could have written.
    func heldBin() throws -> HeldBin {
        let row = BinRecord(
            id: id, node: node, sensor: sensor, start: start, seconds: seconds, aToB: aToB, bToA: bToA,
            coverage: coverage, flags: flags, fastAToB: fastAToB, fastBToA: fastBToA)
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
        for var row in wanted.sorted(by: { $0.start < $1.start }) { try row.insert(db) }
    }
}

extension BinRecord {
    init(
        id: Int64?, node: String, sensor: String, start: Int64, seconds: Int64, aToB: Int64, bToA: Int64,
        coverage: Double, flags: Int64, fastAToB: Int64?, fastBToA: Int64?
    ) {
        self.id = id
        self.node = node
        self.sensor = sensor
        self.start = start
        self.seconds = seconds
        self.aToB = aToB
        self.bToA = bToA
        self.coverage = coverage
        self.flags = flags
        self.fastAToB = fastAToB
        self.fastBToA = fastBToA
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
                let start = end == .min ? bins[0].key.start : length.start(containing: end * 1000 + length.seconds * 1000 - 1)
                var merged = bins[0]
                merged.key.start = start
                for bin in bins.dropFirst() { merged.absorb(bin) }
                placed[merged.key] = merged
            }
            return placed.values.sorted { ($0.key.start, $0.key.sensor) < ($1.key.start, $1.key.sensor) }
        }
    }
}
