import CountBins
import GRDB

// One Codable record per table, internal to the store: the rest of passant sees only `CountBin`.

/// A row of `bin`: one closed bin of one sensor.
struct BinRecord: Codable, Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "bin"

    var id: Int64?
    var node: String
    var sensor: String
    /// Unix seconds, UTC.
    var start: Int64
    var seconds: Int64
    var aToB: Int64
    var bToA: Int64
    var coverage: Double
    var flags: Int64
    /// NULL for a sensor that does not tell fast movers apart.
    var fastAToB: Int64?
    var fastBToA: Int64?

    enum CodingKeys: String, CodingKey {
        case id, node, sensor, start, seconds, coverage, flags
        case aToB = "a_to_b"
        case bToA = "b_to_a"
        case fastAToB = "fast_a_to_b"
        case fastBToA = "fast_b_to_a"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let node = Column(CodingKeys.node)
        static let sensor = Column(CodingKeys.sensor)
        static let start = Column(CodingKeys.start)
        static let seconds = Column(CodingKeys.seconds)
    }

    init(_ bin: CountBin) {
        id = nil
        node = bin.key.node
        sensor = bin.key.sensor
        start = bin.key.start
        seconds = bin.key.length.seconds
        aToB = Int64(bin.aToB)
        bToA = Int64(bin.bToA)
        coverage = bin.coverage
        flags = Int64(bin.flags.rawValue)
        fastAToB = bin.fastMovers.map { Int64($0.aToB) }
        fastBToA = bin.fastMovers.map { Int64($0.bToA) }
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Whether counts, coverage or flags differ (the key being the same).
    func hasSameValues(as other: BinRecord) -> Bool {
        aToB == other.aToB && bToA == other.bToA && coverage == other.coverage && flags == other.flags
            && fastAToB == other.fastAToB && fastBToA == other.fastBToA
    }

    /// The bin this row holds. Throws for a row no passant could have written (unknown bin length,
    /// negative counts, flags out of range): the file has been tampered with or damaged.
    func countBin() throws -> CountBin {
        guard let length = BinLength(rawValue: Int(seconds)),
            let flagBits = UInt32(exactly: flags),
            let aToB = Int(exactly: aToB), let bToA = Int(exactly: bToA), aToB >= 0, bToA >= 0,
            let fastMovers = FastMovers.read(fastAToB, fastBToA)
        else {
            throw DatabaseError(
                resultCode: .SQLITE_CORRUPT,
                message: "bin row \(id ?? -1) (\(node)/\(sensor)/\(start)) has impossible values")
        }
        return CountBin(
            key: BinKey(node: node, sensor: sensor, start: start, length: length),
            aToB: aToB, bToA: bToA, coverage: coverage, flags: BinFlags(rawValue: flagBits),
            fastMovers: fastMovers)
    }

    /// The request for the row of `key`.
    static func matching(_ key: BinKey) -> QueryInterfaceRequest<BinRecord> {
        filter(
            Columns.node == key.node && Columns.sensor == key.sensor && Columns.start == key.start
                && Columns.seconds == key.length.seconds)
    }

    /// Oldest first; ties in a fixed order so that exports and deliveries are reproducible.
    static let chronological = [Columns.start, Columns.sensor, Columns.node, Columns.seconds]
}

extension FastMovers {
    /// The fast movers of a row's two columns: `.some(nil)` when both are NULL (the sensor does not
    /// tell them apart), nil when the pair is impossible (one NULL, or negative).
    static func read(_ aToB: Int64?, _ bToA: Int64?) -> FastMovers?? {
        switch (aToB, bToA) {
        case (nil, nil): return .some(nil)
        case (let a?, let b?):
            guard let a = Int(exactly: a), let b = Int(exactly: b), a >= 0, b >= 0 else { return nil }
            return FastMovers(aToB: a, bToA: b)
        default: return nil
        }
    }
}

/// A row of `delivery`: an uplink confirmed it received a bin. No row means not yet delivered, so an
/// uplink added to the config later finds every stored bin pending.
struct DeliveryRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "delivery"

    /// Text in the database, so that later states (say, `rejected` for bins an uplink refuses for
    /// good) need no schema change.
    enum State: String, Codable, DatabaseValueConvertible {
        case delivered
    }

    var binID: Int64
    var uplink: String
    var state: State

    enum CodingKeys: String, CodingKey {
        case binID = "bin_id"
        case uplink, state
    }

    enum Columns {
        static let binID = Column(CodingKeys.binID)
        static let uplink = Column(CodingKeys.uplink)
    }
}

/// A row of `dropped_range`: bins of one sensor dropped before every uplink had confirmed them.
struct DroppedRangeRecord: Codable, Hashable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "dropped_range"

    var id: Int64?
    var node: String
    var sensor: String
    /// Unix seconds, UTC.
    var start: Int64
    /// Unix seconds, UTC, exclusive.
    var until: Int64
    var seconds: Int64
    var bins: Int64

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let node = Column(CodingKeys.node)
        static let sensor = Column(CodingKeys.sensor)
        static let start = Column(CodingKeys.start)
        static let until = Column(CodingKeys.until)
        static let seconds = Column(CodingKeys.seconds)
        static let bins = Column(CodingKeys.bins)
    }

    init(_ range: DroppedRange) {
        id = nil
        node = range.node
        sensor = range.sensor
        start = range.start
        until = range.end
        seconds = range.length.seconds
        bins = Int64(range.bins)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The gap this row holds; throws for a row no passant could have written.
    func droppedRange() throws -> DroppedRange {
        guard let length = BinLength(rawValue: Int(seconds)), let bins = Int(exactly: bins), bins > 0,
            until > start
        else {
            throw DatabaseError(
                resultCode: .SQLITE_CORRUPT,
                message: "dropped_range row \(id ?? -1) (\(node)/\(sensor)/\(start)) has impossible values")
        }
        return DroppedRange(node: node, sensor: sensor, start: start, end: until, length: length, bins: bins)
    }

    /// The request for the row of `range` (by its key, not its count).
    static func matching(_ range: DroppedRange) -> QueryInterfaceRequest<DroppedRangeRecord> {
        filter(Columns.node == range.node && Columns.sensor == range.sensor)
            .filter(Columns.start == range.start && Columns.until == range.end)
            .filter(Columns.seconds == range.length.seconds)
    }

    /// Oldest first, in the same order as bins.
    static let chronological = [Columns.start, Columns.sensor, Columns.node, Columns.seconds, Columns.until]
}

/// A row of `dropped_range_delivery`: an uplink confirmed it received a gap record.
struct DroppedRangeDeliveryRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "dropped_range_delivery"

    var droppedRangeID: Int64
    var uplink: String
    var state: DeliveryRecord.State

    enum CodingKeys: String, CodingKey {
        case droppedRangeID = "dropped_range_id"
        case uplink, state
    }

    enum Columns {
        static let droppedRangeID = Column(CodingKeys.droppedRangeID)
        static let uplink = Column(CodingKeys.uplink)
    }
}
