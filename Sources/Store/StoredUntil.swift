import CountBins
import GRDB

extension BinStore {
    /// The end (Unix seconds) of `sensor`'s newest bin that was not closed early, if any: keys up to
    /// here are taken, whatever the system clock says after a restart (see `ClockKeeper`).
    public func storedUntil(sensor: String) throws(StoreError) -> Int64? {
        try read("reading the newest bin of \(sensor)") { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT MAX(start + seconds) FROM bin WHERE sensor = ? AND (flags & ?) = 0",
                arguments: [sensor, BinFlags.closedEarly.rawValue])
        }
    }
}
