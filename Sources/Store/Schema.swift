import GRDB

/// The store's schema history. Each migration is shipped once and never edited again: a gateway in
/// the field may hold a file at any point of this history, and the migrator brings it forward.
/// New changes go in new migrations, appended at the end.
///
/// Privacy: no column holds a time finer than a bin (no "saved at", no "delivered at").
var storeMigrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()

    migrator.registerMigration("v1 bins") { db in
        try db.create(table: "bin") { t in
            t.primaryKey("id", .integer)
            t.column("node", .text).notNull()
            t.column("sensor", .text).notNull()
            t.column("start", .integer).notNull()  // Unix seconds, UTC, bin start
            t.column("seconds", .integer).notNull()  // bin length
            t.column("a_to_b", .integer).notNull()
            t.column("b_to_a", .integer).notNull()
            t.column("coverage", .double).notNull()
            t.column("flags", .integer).notNull()
            t.uniqueKey(["node", "sensor", "start", "seconds"])
        }
        // Time ranges (export, pending) select on start.
        try db.create(index: "bin_on_start", on: "bin", columns: ["start"])

        try db.create(table: "delivery") { t in
            t.column("bin_id", .integer).notNull().references("bin", onDelete: .cascade)
            t.column("uplink", .text).notNull()
            t.column("state", .text).notNull()
            t.primaryKey(["bin_id", "uplink"])
        }
    }

    // Gap records (`DroppedRange`): bins dropped by the retention policy before every uplink had
    // confirmed them, each with its own delivery state per uplink, like bins.
    //
    // auto_vacuum stays NONE (decided here, for every file): pages freed by deletions go to the
    // freelist and new bins reuse them, so the file plateaus at the limit. Switching an existing file
    // to INCREMENTAL would take a VACUUM, which rewrites the whole file (SD wear) and needs as much
    // free space again, and which cannot run inside a migration's transaction.
    migrator.registerMigration("v2 dropped ranges") { db in
        try db.create(table: "dropped_range") { t in
            t.primaryKey("id", .integer)
            t.column("node", .text).notNull()
            t.column("sensor", .text).notNull()
            t.column("start", .integer).notNull()  // Unix seconds, UTC, start of the first dropped bin
            t.column("until", .integer).notNull()  // Unix seconds, UTC, end of the last (exclusive)
            t.column("seconds", .integer).notNull()  // bin length
            t.column("bins", .integer).notNull()
            t.uniqueKey(["node", "sensor", "start", "until", "seconds"])
        }
        try db.create(table: "dropped_range_delivery") { t in
            t.column("dropped_range_id", .integer).notNull().references("dropped_range", onDelete: .cascade)
            t.column("uplink", .text).notNull()
            t.column("state", .text).notNull()
            t.primaryKey(["dropped_range_id", "uplink"])
        }
    }

    // The true counts of a bin closed early at shutdown while a privacy policy is in force. The bin's
    // own row holds what may be published (noised, suppressed); this row holds what the counter saw,
    // only so that a restart within the same bin can resume counting from the truth instead of adding
    // true counts to a noised value. Never read by an uplink or an export; erased when the bin closes
    // for good, or at the next start when the bin can no longer be resumed. At most one row per sensor.
    migrator.registerMigration("v3 resume counts") { db in
        try db.create(table: "resume_count") { t in
            t.primaryKey("bin_id", .integer).references("bin", onDelete: .cascade)
            t.column("a_to_b", .integer).notNull()
            t.column("b_to_a", .integer).notNull()
        }
    }

    // Fast movers (cyclists, scooters) a LiDAR tells apart from pedestrians, per bin and direction:
    // NULL for sensors that do not tell them apart, so a 0 always means none were seen. The true
    // counts of a bin closed early get theirs too.
    migrator.registerMigration("v4 fast movers") { db in
        for table in ["bin", "resume_count"] {
            try db.alter(table: table) { t in
                t.add(column: "fast_a_to_b", .integer)
                t.add(column: "fast_b_to_a", .integer)
            }
        }
    }

    // Bins closed while the system clock was not synchronised, waiting for it (see `HeldBin`): kept
    // here so that a crash or a power cut before synchronisation loses none. `start` is the bin's
    // key on the unsynchronised clock; `boot_start` is the same bin on the boot clock (seconds since
    // boot, rounded to a whole bin), meaningful only within the boot `boot_id` names. The counts are
    // the true ones: the privacy policy is applied once, when the row becomes a bin. Never read by an
    // uplink or an export; a row leaves this table in the transaction that stores its bin.
    migrator.registerMigration("v5 held bins") { db in
        try db.create(table: "held_bin") { t in
            t.primaryKey("id", .integer)
            t.column("boot_id", .text).notNull()
            t.column("boot_start", .integer).notNull()  // seconds since boot, a whole bin
            t.column("node", .text).notNull()
            t.column("sensor", .text).notNull()
            t.column("start", .integer).notNull()  // Unix seconds on the unsynchronised clock, bin start
            t.column("seconds", .integer).notNull()
            t.column("a_to_b", .integer).notNull()
            t.column("b_to_a", .integer).notNull()
            t.column("coverage", .double).notNull()
            t.column("flags", .integer).notNull()
            t.column("fast_a_to_b", .integer)  // NULL: the sensor does not tell fast movers apart
            t.column("fast_b_to_a", .integer)
            t.uniqueKey(["node", "sensor", "start", "seconds"])
        }
    }

    return migrator
}
