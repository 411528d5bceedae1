// The store: closed CountBins in SQLite, and which uplink has confirmed which bin.
// A bin is committed here before it is offered upstream; it is marked delivered only after the
// uplink's confirmation, so a crash at any point loses no closed bin.

import CountBins
import Foundation
import GRDB

/// Closed count bins on disk and their delivery state per uplink.
///
/// A value type holding one GRDB writer, which is `Sendable`: create it once in main and pass it to
/// the services that need it. Every method is one transaction.
public struct BinStore: Sendable {
    let writer: any DatabaseWriter
    /// The store file, or "in memory".
    public let path: String
    /// The configured uplinks' names: when the disk is full, `save` makes room by deleting first the
    /// bins every one of them has confirmed.
    public let uplinks: [String]

    /// Opens (or creates) the store at `path`: creates the parent directory if needed, switches to
    /// WAL with `synchronous=FULL` (a Pi loses power without warning, and a committed bin must
    /// survive it), and brings the schema up to date.
    ///
    /// - Parameter uplinks: the configured uplinks' names, for making room when the disk is full.
    public init(path: String, uplinks: [String] = []) throws(StoreError) {
        let directory = parentDirectory(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                kind: .cannotCreateDirectory, path: path, operation: "creating its directory",
                detail: Self.underlyingMessage(error))
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
            // DatabasePool switches the writer to WAL with synchronous=NORMAL *after* prepareDatabase
            // ran, so FULL is set here, on the one writer connection, which lives as long as the pool.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.from(error, path: path, operation: "opening")
        }
        try self.init(writer: pool, path: path, uplinks: uplinks)
    }

    /// An empty store in memory, for tests.
    public static func inMemory(uplinks: [String] = []) throws(StoreError) -> BinStore {
        let path = "in memory"
        do {
            return try BinStore(
                writer: DatabaseQueue(configuration: configuration()), path: path, uplinks: uplinks)
        } catch {
            throw StoreError.from(error, path: path, operation: "opening")
        }
    }

    init(writer: any DatabaseWriter, path: String, uplinks: [String] = []) throws(StoreError) {
        self.writer = writer
        self.path = path
        self.uplinks = uplinks
        do {
            if try writer.read({ db in try storeMigrator.hasBeenSuperseded(db) }) {
                throw StoreError(
                    kind: .tooNew, path: path, operation: "opening",
                    detail: "the file has schema migrations this passant does not know")
            }
            try storeMigrator.migrate(writer)
        } catch {
            throw StoreError.from(error, path: path, operation: "migrating the schema")
        }
    }

    private static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "passant.store"
        // A CLI reading the store while the daemon writes waits instead of failing at once.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    // MARK: - Writing

    /// Saves `bins` in one transaction, replacing the counts, coverage and flags of a bin whose key is
    /// already stored: a bin closed early at shutdown and resumed after a restart is saved again with
    /// its final values. A bin whose values changed becomes pending again on every uplink, so the
    /// final values reach the receivers too; saving identical values changes nothing.
    ///
    /// Counting never stops because the store is full: if SQLite reports the disk full, the save is
    /// retried once in a transaction that first makes room (bins every uplink in `uplinks` confirmed
    /// first, then the oldest, with a gap record; see `enforce`). Room made is returned; `nil` when
    /// none was needed.
    ///
    /// - Parameter resumeCounts: the true counts of bins in `bins` closed early under a privacy
    ///   policy (see `ResumeCounts`). Saving a bin without one erases the one it had.
    /// - Parameter held: what the sensor holds for the clock now (see `HeldBin`): its rows of
    ///   `held_bin` are made equal to it in the same transaction, so a bin released from holding is
    ///   stored exactly when its held row goes.
    @discardableResult
    public func save(
        _ bins: [CountBin], resumeCounts: [BinKey: ResumeCounts] = [:], held: HeldSet? = nil
    ) throws(StoreError) -> RetentionReport? {
        if bins.isEmpty && held == nil { return nil }
        let operation = "saving \(bins.count) bins"
        do {
            try writer.write { db in
                try Self.insertOrReplace(bins, resumeCounts, db)
                if let held { try HeldBinRecord.replace(with: held, db) }
            }
            return nil
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            let full = error.message ?? "database or disk is full"
            if path != "in memory", fileSystemIsFull(holding: path) {
                // Deleting bins would lose counts and free no space on the disk: wait for space instead.
                throw StoreError(
                    kind: .diskFull, path: path, operation: operation,
                    detail: "\(full): the file system holding it has no space left")
            }
            do {
                return try writer.write { db in
                    let room = try Self.makeRoom(db, forBins: bins.count, uplinks: uplinks)
                    try Self.insertOrReplace(bins, resumeCounts, db)
                    if let held { try HeldBinRecord.replace(with: held, db) }
                    return room
                }
            } catch {
                var failure = StoreError.from(
                    error, path: path,
                    operation: "\(operation) (retried after deleting old bins to make room)")
                failure.detail = "\(full); making room did not help: \(failure.detail)"
                throw failure
            }
        } catch {
            throw StoreError.from(error, path: path, operation: operation)
        }
    }

    private static func insertOrReplace(
        _ bins: [CountBin], _ resumeCounts: [BinKey: ResumeCounts], _ db: Database
    ) throws {
        for bin in bins {
            var record = BinRecord(bin)
            if let existing = try BinRecord.matching(bin.key).fetchOne(db) {
                record.id = existing.id
                if !existing.hasSameValues(as: record) {
                    try record.update(db)
                    try DeliveryRecord.filter(DeliveryRecord.Columns.binID == existing.id).deleteAll(db)
                }
            } else {
                try record.insert(db)
            }
            if let id = record.id {
                try ResumeCountRecord.replace(binID: id, with: resumeCounts[bin.key], db)
            }
        }
    }

    /// Records that `uplink` confirmed `keys`. Keys not in the store (removed meanwhile) are ignored.
    public func markDelivered(_ keys: [BinKey], uplink: String) throws(StoreError) {
        if keys.isEmpty { return }
        try write("marking \(keys.count) bins delivered on \(uplink)") { db in
            // One prepared statement for the whole batch: a drain marks tens of thousands of keys.
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO delivery (bin_id, uplink, state)
                    SELECT id, ?, ? FROM bin WHERE node = ? AND sensor = ? AND start = ? AND seconds = ?
                    ON CONFLICT (bin_id, uplink) DO UPDATE SET state = excluded.state
                    """)
            for key in keys {
                try statement.execute(arguments: [
                    uplink, DeliveryRecord.State.delivered.rawValue, key.node, key.sensor, key.start,
                    key.length.rawValue,
                ])
            }
        }
    }

    // MARK: - Reading

    /// The stored bin with `key`, to resume a bin that was closed early at shutdown.
    public func bin(for key: BinKey) throws(StoreError) -> CountBin? {
        try read("reading bin \(key.description)") { db in
            try BinRecord.matching(key).fetchOne(db)?.countBin()
        }
    }

    /// Stored bins whose start is in `from..<to` (either bound optional), of one sensor or all,
    /// ordered by start, then sensor.
    public func bins(from: Int64? = nil, to: Int64? = nil, sensor: String? = nil) throws(StoreError)
        -> [CountBin]
    {
        try read("reading bins") { db in
            var request = BinRecord.all()
            if let from { request = request.filter(BinRecord.Columns.start >= from) }
            if let to { request = request.filter(BinRecord.Columns.start < to) }
            if let sensor { request = request.filter(BinRecord.Columns.sensor == sensor) }
            return try request.order(BinRecord.chronological).fetchAll(db).map { try $0.countBin() }
        }
    }

    /// Up to `limit` bins that `uplink` has not confirmed yet and that ended at or before
    /// `endingBefore` (Unix seconds), oldest first.
    public func pending(uplink: String, limit: Int, endingBefore: Int64) throws(StoreError) -> [CountBin] {
        try read("reading bins pending on \(uplink)") { db in
            // Spelled out in SQL so that `bin.id` is unambiguous inside the correlated subquery.
            try BinRecord
                .filter(BinRecord.Columns.start + BinRecord.Columns.seconds <= endingBefore)
                .filter(
                    sql:
                        "NOT EXISTS (SELECT 1 FROM delivery WHERE delivery.bin_id = bin.id AND delivery.uplink = ?)",
                    arguments: [uplink]
                )
                .order(BinRecord.chronological)
                .limit(max(0, limit))
                .fetchAll(db)
                .map { try $0.countBin() }
        }
    }

    /// How many stored bins `uplink` has not confirmed yet (its queue depth).
    public func pendingCount(uplink: String) throws(StoreError) -> Int {
        try read("counting bins pending on \(uplink)") { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM bin WHERE NOT EXISTS
                    (SELECT 1 FROM delivery WHERE delivery.bin_id = bin.id AND delivery.uplink = ?)
                    """, arguments: [uplink]) ?? 0
        }
    }

    /// The start (Unix seconds) of the newest bin `uplink` has confirmed, if any.
    public func newestDelivered(uplink: String) throws(StoreError) -> Int64? {
        try read("reading the newest bin delivered on \(uplink)") { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT MAX(bin.start) FROM bin JOIN delivery ON delivery.bin_id = bin.id
                    WHERE delivery.uplink = ?
                    """, arguments: [uplink])
        }
    }

    /// The number of stored bins.
    public func count() throws(StoreError) -> Int {
        try read("counting bins") { db in try BinRecord.fetchCount(db) }
    }

    /// The store's size in bytes as the retention policy counts it: database pages in use (pages on
    /// the freelist are reused by new bins and do not count) plus the WAL file.
    public var sizeInBytes: Int64 {
        get throws(StoreError) {
            let content = try read("measuring the store") { db in try Self.contentBytes(db) }
            return content + walBytes
        }
    }

    // MARK: - Internals

    /// For tests: the writer, to reach past the public API.
    var databaseWriter: any DatabaseWriter { writer }

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError.from(error, path: path, operation: operation)
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.from(error, path: path, operation: operation)
        }
    }

    private static func underlyingMessage(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
