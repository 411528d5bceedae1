// Bounded storage. A gateway offline for months, or with an uplink that never confirms, must not fill
// its SD card, and must never stop counting because the store is full. When the store is over its
// limit, bins every uplink has confirmed go first, oldest first; if that is not enough, the oldest
// undelivered bins go too, and a gap record (`DroppedRange`) tells the receivers which range went.
//
// Size is the database pages in use (`page_count - freelist_count`, times `page_size`) plus the WAL
// file. auto_vacuum stays off (see the "v2 dropped ranges" migration): freed pages are reused by new
// bins, so the file itself plateaus at about the limit without the extra writes of a vacuum.

import CountBins
import Foundation
import GRDB

/// How much the store may keep. `nil` means no limit of that kind.
public struct RetentionPolicy: Sendable, Hashable {
    /// Database pages in use plus the WAL, in bytes.
    public var maxBytes: Int64?
    /// Bins that ended longer ago than this are deleted (undelivered ones with a gap record).
    /// Only enforce it with a synchronised clock: a clock far ahead would age out everything.
    public var maxAgeSeconds: Int64?

    public init(maxBytes: Int64? = nil, maxAgeSeconds: Int64? = nil) {
        self.maxBytes = maxBytes
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// No limit: `enforce` does nothing.
    public static let unbounded = RetentionPolicy()

    /// Once over `maxBytes`, the store deletes down to this, a sixteenth below the limit: a store at
    /// its limit then deletes in one batch every sixteenth of the limit, not a few bins after every
    /// save (each deleting transaction is a fully-synced write on the SD card).
    public var lowWaterBytes: Int64? { maxBytes.map { $0 - $0 / 16 } }
}

/// What one `enforce` (or a save that had to make room) did.
public struct RetentionReport: Sendable, Hashable {
    /// Bins deleted that every configured uplink had confirmed.
    public var deletedDelivered: Int = 0
    /// Bins dropped before every uplink had confirmed them; `gaps` says which.
    public var droppedUndelivered: Int = 0
    /// The gap records written, one per sensor and bin length and deletion.
    public var gaps: [DroppedRange] = []
    /// The store's size (pages in use plus WAL) before and after, in bytes.
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
    /// Whether the store is within `maxBytes` afterwards. It is not when the limit is smaller than the
    /// empty schema, or when a reader held the WAL so that it could not be checkpointed.
    public var isWithinLimit: Bool = true

    public init() {}

    /// Whether any bin was deleted.
    public var deletedAny: Bool { deletedDelivered + droppedUndelivered > 0 }
}

extension BinStore {
    /// Applies `policy`: first the age limit, then the size limit, in one transaction, then
    /// checkpoints the WAL (`TRUNCATE`) if anything was deleted.
    ///
    /// Bins older than `maxAgeSeconds` are deleted whatever their delivery state. Over `maxBytes`, bins
    /// that every uplink in `uplinks` has confirmed go first, oldest first; if the store is still over
    /// the limit, the oldest bins go, all sensors' bins up to the same start together, so that each
    /// gap record covers a range of its sensor in which nothing is left. An uplink that had confirmed
    /// every bin of a gap finds the gap already delivered. Gap records every uplink has confirmed are
    /// deleted with the bins. With no uplink configured every bin counts as delivered and no gap is
    /// recorded.
    ///
    /// Cheap when within the limits (a few pragmas, an indexed look-up and a `stat` of the WAL): call
    /// it after each save and at start.
    ///
    /// - Parameters:
    ///   - now: Unix seconds, for the age limit.
    ///   - uplinks: the names of the configured uplinks.
    @discardableResult
    public func enforce(_ policy: RetentionPolicy, now: Int64, uplinks: [String]) throws(StoreError)
        -> RetentionReport
    {
        let uplinks = Array(Set(uplinks)).sorted()
        var report = RetentionReport()
        report.bytesBefore = try sizeInBytes
        let contentBefore = try read("measuring the store") { db in try Self.contentBytes(db) }
        let overSize = policy.maxBytes.map { contentBefore > $0 } ?? false
        let ageCutoff = policy.maxAgeSeconds.map { now - $0 }
        var aged = false
        if let ageCutoff {
            aged = try read("looking for bins older than the age limit") { db in
                // `start < cutoff` first, so that the index on start keeps this cheap.
                try !BinRecord.filter(BinRecord.Columns.start < ageCutoff)
                    .filter(BinRecord.Columns.start + BinRecord.Columns.seconds <= ageCutoff)
                    .isEmpty(db)
            }
        }
        if overSize || aged {
            let changes = try write("deleting bins to keep the store within its limits") { db in
                var changes = RetentionReport()
                if let ageCutoff {
                    try Self.drop(
                        in: db, binsWhere: "start < ? AND start + seconds <= ?", [ageCutoff, ageCutoff],
                        uplinks: uplinks,
                        into: &changes)
                }
                if let maxBytes = policy.maxBytes, let target = policy.lowWaterBytes,
                    try Self.contentBytes(db) > maxBytes
                {
                    try Self.shrink(db, to: target, uplinks: uplinks, into: &changes)
                }
                if changes.deletedAny { try Self.deleteDeliveredGaps(db, uplinks: uplinks) }
                return changes
            }
            report.deletedDelivered = changes.deletedDelivered
            report.droppedUndelivered = changes.droppedUndelivered
            report.gaps = changes.gaps
        }
        if report.deletedAny || (policy.maxBytes.map { report.bytesBefore > $0 } ?? false) {
            checkpoint()
        }
        report.bytesAfter = try sizeInBytes
        report.isWithinLimit = policy.maxBytes.map { report.bytesAfter <= $0 } ?? true
        return report
    }

    /// Up to `limit` gap records that `uplink` has not confirmed yet, oldest first.
    public func pendingGaps(uplink: String, limit: Int) throws(StoreError) -> [DroppedRange] {
        try read("reading gap records pending on \(uplink)") { db in
            try DroppedRangeRecord
                .filter(
                    sql: """
                        NOT EXISTS (SELECT 1 FROM dropped_range_delivery AS d
                                    WHERE d.dropped_range_id = dropped_range.id AND d.uplink = ?)
                        """,
                    arguments: [uplink]
                )
                .order(DroppedRangeRecord.chronological)
                .limit(max(0, limit))
                .fetchAll(db)
                .map { try $0.droppedRange() }
        }
    }

    /// Records that `uplink` confirmed `gaps` (matched by key). Gaps not in the store are ignored.
    public func markGapsDelivered(_ gaps: [DroppedRange], uplink: String) throws(StoreError) {
        if gaps.isEmpty { return }
        try write("marking \(gaps.count) gap records delivered on \(uplink)") { db in
            for gap in gaps {
                guard
                    let id = try DroppedRangeRecord.matching(gap)
                        .select(DroppedRangeRecord.Columns.id, as: Int64.self).fetchOne(db)
                else { continue }
                try DroppedRangeDeliveryRecord(droppedRangeID: id, uplink: uplink, state: .delivered).upsert(
                    db)
            }
        }
    }

    /// Every stored gap record, oldest first, whatever its delivery state.
    public func gaps() throws(StoreError) -> [DroppedRange] {
        try read("reading gap records") { db in
            try DroppedRangeRecord.order(DroppedRangeRecord.chronological).fetchAll(db).map {
                try $0.droppedRange()
            }
        }
    }

    // MARK: - Internals

    /// Frees room for `binCount` bins inside the transaction of a save that failed with SQLITE_FULL:
    /// at least a sixteenth of the pages in use, and twice what the bins need.
    static func makeRoom(_ db: Database, forBins binCount: Int, uplinks: [String]) throws -> RetentionReport {
        let content = try contentBytes(db)
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        let stored = Int64(try BinRecord.fetchCount(db))
        let perBin = stored > 0 ? max(1, content / stored) : pageSize
        let room = max(content / 16, Int64(binCount) * perBin * 2, 4 * pageSize)
        var report = RetentionReport()
        try shrink(db, to: content - room, uplinks: uplinks, into: &report)
        if report.deletedAny { try deleteDeliveredGaps(db, uplinks: uplinks) }
        return report
    }

    /// Deletes bins until the pages in use are at most `target`: delivered ones first, then the oldest.
    /// Each step estimates the number of bins from the average bytes per bin, then measures again.
    static func shrink(
        _ db: Database, to target: Int64, uplinks: [String], into report: inout RetentionReport
    )
        throws
    {
        var deliveredLeft = true
        // A bound on the rounds, in case pages do not free as estimated (a B-tree keeps half-full
        // pages); each round deletes at least one bin.
        for _ in 0..<32 {
            let content = try contentBytes(db)
            if content <= target { return }
            let stored = Int64(try BinRecord.fetchCount(db))
            if stored == 0 { return }
            // The average overestimates a bin (the schema's pages count too), so a round deletes a
            // little less than the excess and the next one finishes.
            let perBin = max(1, content / stored)
            // A few pages more than the excess: each B-tree (bins, their two indexes, deliveries and
            // their index) keeps a partly emptied page at the edge of what was deleted.
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let count = (content - target + 4 * pageSize + perBin - 1) / perBin
            if deliveredLeft {
                let deleted = try deleteDelivered(db, limit: count, uplinks: uplinks)
                report.deletedDelivered += deleted
                if deleted < count { deliveredLeft = false }
            } else {
                // The start of the count-th oldest bin; every bin up to it goes, of all sensors.
                let last =
                    try Int64.fetchOne(
                        db, sql: "SELECT start FROM bin ORDER BY start LIMIT 1 OFFSET ?",
                        arguments: [count - 1])
                    ?? Int64.fetchOne(db, sql: "SELECT MAX(start) FROM bin")
                guard let last else { return }
                try drop(in: db, binsWhere: "start <= ?", [last], uplinks: uplinks, into: &report)
            }
        }
    }

    /// Deletes up to `limit` bins that every uplink has confirmed, oldest first.
    static func deleteDelivered(_ db: Database, limit: Int64, uplinks: [String]) throws -> Int {
        let delivered = deliveredByAll(uplinks)
        try db.execute(
            sql: """
                DELETE FROM bin WHERE id IN (
                    SELECT id FROM bin WHERE \(delivered.sql)
                    ORDER BY start, sensor, node, seconds LIMIT ?)
                """,
            arguments: delivered.arguments + [limit])
        return db.changesCount
    }

    /// Deletes the bins matching `condition` (SQL on `bin`) and records one gap per node, sensor and
    /// bin length for those not confirmed by every uplink.
    static func drop(
        in db: Database, binsWhere condition: String, _ arguments: StatementArguments, uplinks: [String],
        into report: inout RetentionReport
    ) throws {
        let delivered = deliveredByAll(uplinks)
        // Per uplink, how many of the group it has confirmed: an uplink that has them all is not told.
        let perUplink = uplinks.map { _ in
            ", SUM(EXISTS (SELECT 1 FROM delivery WHERE delivery.bin_id = bin.id AND delivery.uplink = ?))"
        }.joined()
        let groups = try Row.fetchAll(
            db,
            sql: """
                SELECT node, sensor, seconds, MIN(start), MAX(start), COUNT(*)\(perUplink)
                FROM bin WHERE (\(condition)) AND NOT (\(delivered.sql))
                GROUP BY node, sensor, seconds ORDER BY MIN(start), sensor, node, seconds
                """,
            arguments: StatementArguments(uplinks) + arguments + delivered.arguments)
        try db.execute(sql: "DELETE FROM bin WHERE \(condition)", arguments: arguments)
        let deleted = db.changesCount
        var undelivered = 0
        for group in groups {
            let node: String = group[0]
            let sensor: String = group[1]
            let seconds: Int64 = group[2]
            let first: Int64 = group[3]
            let last: Int64 = group[4]
            let count: Int = group[5]
            guard let length = BinLength(rawValue: Int(seconds)) else {
                throw DatabaseError(
                    resultCode: .SQLITE_CORRUPT,
                    message: "bins of \(seconds) s cannot have been stored by passant")
            }
            let gap = DroppedRange(
                node: node, sensor: sensor, start: first, end: last + seconds, length: length, bins: count)
            let allConfirmed = uplinks.indices.map { (group[6 + $0] as Int) == count }
            // A gap of this sensor written earlier in this transaction ends where this one starts
            // (nothing of the sensor is left before the deletion's cutoff): extend it instead. It
            // cannot have been delivered yet.
            if let index = report.gaps.lastIndex(where: {
                $0.node == gap.node && $0.sensor == gap.sensor && $0.length == gap.length
            }) {
                let earlier = report.gaps[index]
                var merged = earlier
                merged.end = gap.end
                merged.bins += gap.bins
                let id = try extendGap(db, earlier, by: gap)
                for (uplink, confirmed) in zip(uplinks, allConfirmed) where !confirmed {
                    try DroppedRangeDeliveryRecord.deleteOne(
                        db, key: ["dropped_range_id": id, "uplink": uplink])
                }
                report.gaps[index] = merged
            } else {
                let id = try saveGap(db, gap)
                for (uplink, confirmed) in zip(uplinks, allConfirmed) where confirmed {
                    try DroppedRangeDeliveryRecord(droppedRangeID: id, uplink: uplink, state: .delivered)
                        .upsert(db)
                }
                report.gaps.append(gap)
            }
            undelivered += count
        }
        report.droppedUndelivered += undelivered
        report.deletedDelivered += deleted - undelivered
    }

    /// Inserts a gap record. A record with the same key (bins saved again into a range dropped
    /// before, and dropped again) grows by the new count and becomes pending again everywhere.
    static func saveGap(_ db: Database, _ gap: DroppedRange) throws -> Int64 {
        if var existing = try DroppedRangeRecord.matching(gap).fetchOne(db), let id = existing.id {
            existing.bins += Int64(gap.bins)
            try existing.update(db)
            try DroppedRangeDeliveryRecord.filter(DroppedRangeDeliveryRecord.Columns.droppedRangeID == id)
                .deleteAll(db)
            return id
        }
        var record = DroppedRangeRecord(gap)
        try record.insert(db)
        return record.id!
    }

    /// Extends the gap record `earlier` to the end of `later` and adds its count.
    static func extendGap(_ db: Database, _ earlier: DroppedRange, by later: DroppedRange) throws -> Int64 {
        guard var record = try DroppedRangeRecord.matching(earlier).fetchOne(db), let id = record.id else {
            throw DatabaseError(
                resultCode: .SQLITE_INTERNAL, message: "the gap record \(earlier.key) written vanished")
        }
        record.until = later.end
        record.bins += Int64(later.bins)
        try record.update(db)
        return id
    }

    /// Deletes the gap records every uplink has confirmed: they have done their job.
    static func deleteDeliveredGaps(_ db: Database, uplinks: [String]) throws {
        // With no uplink configured, keep them for an uplink configured later.
        if uplinks.isEmpty { return }
        let marks = databaseQuestionMarks(count: uplinks.count)
        try db.execute(
            sql: """
                DELETE FROM dropped_range WHERE (
                    SELECT COUNT(*) FROM dropped_range_delivery AS d
                    WHERE d.dropped_range_id = dropped_range.id AND d.uplink IN (\(marks))) = ?
                """,
            arguments: StatementArguments(uplinks) + [uplinks.count])
    }

    /// SQL true for a `bin` row that every one of `uplinks` has confirmed (always true for none).
    static func deliveredByAll(_ uplinks: [String]) -> (sql: String, arguments: StatementArguments) {
        if uplinks.isEmpty { return ("1", []) }
        let marks = databaseQuestionMarks(count: uplinks.count)
        return (
            """
            (SELECT COUNT(*) FROM delivery
             WHERE delivery.bin_id = bin.id AND delivery.uplink IN (\(marks))) = ?
            """,
            StatementArguments(uplinks) + [uplinks.count]
        )
    }

    /// Database pages in use, in bytes: pages on the freelist will be reused and do not count.
    static func contentBytes(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        return (pages - free) * pageSize
    }

    /// The size of the WAL file on disk (0 in memory or when there is none).
    var walBytes: Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: writer.path + "-wal")
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Moves the WAL into the database and truncates it to zero bytes. Best effort: a reader in the
    /// middle of a long read keeps it (the WAL then still counts; the next enforce tries again).
    func checkpoint() {
        _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
