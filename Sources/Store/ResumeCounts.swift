// True counts kept for resuming a bin closed early under a privacy policy (table `resume_count`).
//
// A bin closed early at shutdown is stored with the policy applied: if passantd does not come back
// within the bin, that stored value is final and is what the receivers get. If it does come back
// within the bin, counting must continue from the true partial count: adding true counts to a noised
// value would mix noise of two draws, and resuming from a suppressed 0 would lose people. So the true
// counts of that one bin are kept in a table no uplink, export or status reads, and erased as soon as
// the bin is stored for good (`save` without them) or found at start to be past resuming.

import CountBins
import GRDB

/// The true counts of a bin closed early at shutdown, for resuming it after a restart in the same bin.
public struct ResumeCounts: Sendable, Hashable {
    public var aToB: Int
    public var bToA: Int
    public var fastMovers: FastMovers?

    public init(aToB: Int, bToA: Int, fastMovers: FastMovers? = nil) {
        self.aToB = aToB
        self.bToA = bToA
        self.fastMovers = fastMovers
    }

    /// The counts of `bin`, before any policy was applied.
    public init(_ bin: CountBin) {
        self.init(aToB: bin.aToB, bToA: bin.bToA, fastMovers: bin.fastMovers)
    }
}

/// A row of `resume_count`.
struct ResumeCountRecord: Codable, Hashable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "resume_count"

    var binID: Int64
    var aToB: Int64
    var bToA: Int64
    var fastAToB: Int64?
    var fastBToA: Int64?

    enum CodingKeys: String, CodingKey {
        case binID = "bin_id"
        case aToB = "a_to_b"
        case bToA = "b_to_a"
        case fastAToB = "fast_a_to_b"
        case fastBToA = "fast_b_to_a"
    }

    init(binID: Int64, _ counts: ResumeCounts) {
        self.binID = binID
        aToB = Int64(counts.aToB)
        bToA = Int64(counts.bToA)
        fastAToB = counts.fastMovers.map { Int64($0.aToB) }
        fastBToA = counts.fastMovers.map { Int64($0.bToA) }
    }

    /// The counts this row holds; nil for a row no passant could have written.
    var counts: ResumeCounts? {
        guard let aToB = Int(exactly: aToB), let bToA = Int(exactly: bToA), aToB >= 0, bToA >= 0,
            let fastMovers = FastMovers.read(fastAToB, fastBToA)
        else { return nil }
        return ResumeCounts(aToB: aToB, bToA: bToA, fastMovers: fastMovers)
    }

    enum Columns {
        static let binID = Column(CodingKeys.binID)
    }

    /// Sets (or, with nil, erases) the resume counts of the bin with row id `binID`.
    static func replace(binID: Int64, with counts: ResumeCounts?, _ db: Database) throws {
        if let counts {
            try ResumeCountRecord(binID: binID, counts).upsert(db)
        } else {
            try filter(Columns.binID == binID).deleteAll(db)
        }
    }
}

extension BinStore {
    /// The true counts kept for the bin `key` when it was closed early under a privacy policy.
    public func resumeCounts(for key: BinKey) throws(StoreError) -> ResumeCounts? {
        try read("reading the resume counts of bin \(key.description)") { db in
            guard
                let id = try BinRecord.matching(key).select(BinRecord.Columns.id, as: Int64.self).fetchOne(
                    db),
                let row = try ResumeCountRecord.filter(ResumeCountRecord.Columns.binID == id).fetchOne(db)
            else { return nil }
            return row.counts
        }
    }

    /// Erases the resume counts of `sensor`'s bins except `keep` (the bin a restart is resuming):
    /// the others can never be resumed, and true counts must not outlive their use.
    /// Returns how many were erased.
    @discardableResult
    public func eraseResumeCounts(sensor: String, except keep: BinKey? = nil) throws(StoreError) -> Int {
        try write("erasing the resume counts of \(sensor)") { db in
            var sql = "DELETE FROM resume_count WHERE bin_id IN (SELECT id FROM bin WHERE sensor = ?"
            var arguments: StatementArguments = [sensor]
            if let keep {
                sql += " AND NOT (node = ? AND start = ? AND seconds = ?)"
                arguments += [keep.node, keep.start, keep.length.seconds]
            }
            try db.execute(sql: sql + ")", arguments: arguments)
            return db.changesCount
        }
    }
}
