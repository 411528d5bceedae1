import GRDB

/// Why the store failed, where, and what a technician should do about it.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of trouble, so the daemon can choose a policy (keep bins in memory and retry on
    /// `.diskFull`, stop on `.corrupt`).
    public enum Kind: Sendable, Hashable {
        /// The parent directory is missing and could not be created.
        case cannotCreateDirectory
        /// The file could not be opened (missing directory, permissions).
        case cannotOpen
        /// No space left on the file system.
        case diskFull
        /// The file or its file system is read-only for this user.
        case readOnly
        /// The file is damaged or is not a passant store.
        case corrupt
        /// The storage device reported an I/O error (a worn SD card, a loose USB disk).
        case ioError
        /// Another process holds the database locked for longer than the busy timeout.
        case busy
        /// The file was written by a newer passant (unknown migrations).
        case tooNew
        /// Anything else SQLite reported.
        case other
    }

    public var kind: Kind
    /// The store file (`in memory` for test stores).
    public var path: String
    /// What was being done: "opening", "saving 3 bins", …
    public var operation: String
    /// What the system or SQLite said.
    public var detail: String

    public init(kind: Kind, path: String, operation: String, detail: String) {
        self.kind = kind
        self.path = path
        self.operation = operation
        self.detail = detail
    }

    public var description: String {
        "store \(path): \(operation) failed: \(detail); \(advice)"
    }

    /// What to do, for each kind.
    public var advice: String {
        let directory = parentDirectory(of: path)
        switch kind {
        case .cannotCreateDirectory:
            return "create \(directory) and give the passant user write access to it"
                + " (the systemd unit's StateDirectory= does this)"
        case .cannotOpen:
            return "check that \(directory) exists and that the passant user may write in it"
        case .diskFull:
            return
                "free space on the file system holding \(directory); counting continues in memory and retries"
        case .readOnly:
            return "the file or its file system is read-only; check the owner and permissions of \(path)"
                + " and its -wal/-shm files, and that the file system is mounted read-write"
        case .corrupt:
            return "the file is damaged; stop passantd, move \(path) aside (keep it: `sqlite3 FILE .recover`"
                + " can rescue undelivered bins) and start again to create a new store"
        case .ioError:
            return
                "the storage device reported an I/O error; check `dmesg` and replace the SD card if it repeats"
        case .busy:
            return "another program holds the store locked; stop it (a `sqlite3` shell?) and try again"
        case .tooNew:
            return "it was written by a newer passant; upgrade passant or move the file aside"
        case .other:
            return "see the SQLite message; if it persists, move \(path) aside and restart"
        }
    }

    /// Converts any error thrown by GRDB (or the file system) into a `StoreError`: the one place where
    /// SQLite result codes become advice.
    static func from(_ error: any Error, path: String, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return StoreError(kind: .other, path: path, operation: operation, detail: "\(error)")
        }
        let kind: Kind =
            switch error.resultCode {
            case .SQLITE_FULL: .diskFull
            case .SQLITE_READONLY, .SQLITE_PERM: .readOnly
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: .corrupt
            case .SQLITE_BUSY, .SQLITE_LOCKED: .busy
            case .SQLITE_CANTOPEN: .cannotOpen
            case .SQLITE_IOERR: .ioError
            default: .other
            }
        return StoreError(
            kind: kind, path: path, operation: operation, detail: error.message ?? "\(error.resultCode)")
    }
}

func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
