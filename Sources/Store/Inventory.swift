// What the store file holds, for `passant privacy audit`: its tables and columns as SQLite itself
// describes them (`sqlite_master`, `pragma_table_info`), so a column added by a later migration shows
// up without anyone remembering to list it, and figures about the bins that a privacy review asks for.

import CountBins
import GRDB

/// The contents of a store, described for a privacy review.
public struct StoreInventory: Sendable, Hashable {
    public struct Table: Sendable, Hashable {
        public var name: String
        public var rows: Int
        public var columns: [Column]
    }

    public struct Column: Sendable, Hashable {
        public var name: String
        /// The declared SQLite type (`INTEGER`, `TEXT`, …).
        public var type: String
        /// Whether the name says it holds a time (`start`, `until`, `…_at`, `time`, `date`, …).
        public var holdsTime: Bool
        /// For a time column: how many values are not on a whole minute, the shortest bin. Anything
        /// finer than a bin could place a person in time more precisely than the counts do.
        public var offMinuteValues: Int?
    }

    public var tables: [Table]
    /// The bin lengths present (seconds) and how many bins of each.
    public var binLengths: [Int: Int]
    public var bins: Int
    public var suppressedBins: Int
    public var noisedBins: Int
    public var closedEarlyBins: Int
    /// Bins with a count from 1 to `minimumCount − 1` in either direction (for the minimum asked).
    public var smallCountBins: Int
    /// Rows of `resume_count` (true counts of a bin closed early) and how many of them belong to bins
    /// that ended before `now`: those should have been erased.
    public var resumeCounts: Int
    public var staleResumeCounts: Int
    /// Rows of `held_bin`: bins waiting for the system clock, with their true counts (see `HeldBin`).
    public var heldBins: Int = 0
    /// The newest bin (by start), as it would be sent.
    public var newestBin: CountBin?
    /// The newest bin's true counts, if it is a closed-early bin with resume counts (they are not sent).
    public var newestResumeCounts: ResumeCounts?
}

extension BinStore {
    /// Describes what the store holds. `minimumCount` is the policy's, to count bins that break it;
    /// `now` (Unix seconds) tells resume counts still in use from stale ones.
    public func inventory(minimumCount: Int, now: Int64) throws(StoreError) -> StoreInventory {
        try read("taking the inventory of the store") { db in
            let names = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    ORDER BY name
                    """)
            var tables: [StoreInventory.Table] = []
            for name in names {
                let quoted = name.quotedDatabaseIdentifier
                let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(quoted)") ?? 0
                var columns: [StoreInventory.Column] = []
                for row in try Row.fetchAll(
                    db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [name])
                {
                    let column: String = row["name"]
                    let type: String = row["type"]
                    var entry = StoreInventory.Column(
                        name: column, type: type, holdsTime: Self.looksLikeTime(column), offMinuteValues: nil)
                    if entry.holdsTime {
                        entry.offMinuteValues = try Int.fetchOne(
                            db,
                            sql: """
                                SELECT COUNT(*) FROM \(quoted) WHERE \(column.quotedDatabaseIdentifier) IS NOT NULL
                                AND (typeof(\(column.quotedDatabaseIdentifier)) NOT IN ('integer', 'real')
                                     OR \(column.quotedDatabaseIdentifier) % 60 != 0)
                                """)
                    }
                    columns.append(entry)
                }
                tables.append(StoreInventory.Table(name: name, rows: rows, columns: columns))
            }
            func count(_ condition: String, _ arguments: StatementArguments = []) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bin WHERE \(condition)", arguments: arguments)
                    ?? 0
            }
            var lengths: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT seconds, COUNT(*) AS n FROM bin GROUP BY seconds") {
                lengths[row["seconds"]] = row["n"]
            }
            let small = max(1, minimumCount) - 1
            let smallCountBins =
                small == 0
                ? 0
                : try count(
                    "a_to_b BETWEEN 1 AND ? OR b_to_a BETWEEN 1 AND ? OR fast_a_to_b BETWEEN 1 AND ? OR fast_b_to_a BETWEEN 1 AND ?",
                    [small, small, small, small])
            let newest = try BinRecord.order(BinRecord.Columns.start.desc).fetchOne(db)
            var newestResume: ResumeCounts?
            if let id = newest?.id,
                let row = try ResumeCountRecord.filter(ResumeCountRecord.Columns.binID == id).fetchOne(db)
            {
                newestResume = row.counts
            }
            var inventory = StoreInventory(
                tables: tables, binLengths: lengths, bins: try BinRecord.fetchCount(db),
                suppressedBins: try count("flags & ? != 0", [BinFlags.suppressed.rawValue]),
                noisedBins: try count("flags & ? != 0", [BinFlags.noised.rawValue]),
                closedEarlyBins: try count("flags & ? != 0", [BinFlags.closedEarly.rawValue]),
                smallCountBins: smallCountBins,
                resumeCounts: try ResumeCountRecord.fetchCount(db),
                staleResumeCounts: try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM resume_count JOIN bin ON bin.id = resume_count.bin_id
                        WHERE bin.start + bin.seconds <= ?
                        """, arguments: [now]) ?? 0,
                newestBin: try newest?.countBin(), newestResumeCounts: newestResume)
            inventory.heldBins = try HeldBinRecord.fetchCount(db)
            return inventory
        }
    }

    /// Column names that say "a point in time". Deliberately broad: a false alarm costs a look, a
    /// missed timestamp costs privacy.
    static func looksLikeTime(_ name: String) -> Bool {
        let name = name.lowercased()
        let words = name.split(separator: "_").map(String.init)
        // An identifier named after what it identifies (`boot_id`: which boot) is not a time.
        if words.count > 1, words.last == "id" { return false }
        let timeWords: Set<String> = [
            "start", "end", "until", "time", "timestamp", "date", "at", "when", "ms", "millis", "tick",
            "seen", "saved", "created", "updated", "delivered", "boot", "uptime", "instant", "epoch",
        ]
        return words.contains(where: timeWords.contains) || name.hasSuffix("time")
    }
}
