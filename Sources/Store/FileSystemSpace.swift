import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the file system holding the store has run out of space, as opposed to the store reaching
/// a page limit with space left. SQLite says SQLITE_FULL for both; only the second is helped by
/// deleting bins. On a full disk passant deletes nothing: the sensor loops keep the bins in memory and
/// retry every second, and everything is stored once space is back.
func fileSystemIsFull(holding path: String, below threshold: UInt64 = 1 << 20) -> Bool {
    var space = statvfs()
    guard statvfs(parentDirectory(of: path), &space) == 0 else { return false }
    return UInt64(space.f_bavail) * UInt64(space.f_frsize) < threshold
}
