#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd about the daemon's state through `$NOTIFY_SOCKET` (sd_notify(3)), without libsystemd.
/// Does nothing when the variable is not set, e.g. when run from a terminal.
public struct SystemdNotifier: Sendable {
    private let path: String?

    public init(environment: [String: String]) {
        path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public var isEnabled: Bool { path != nil }

    /// `READY=1`: start-up is complete.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    /// `WATCHDOG=1`: the main loop is alive.
    public func watchdog() { send("WATCHDOG=1") }
    /// `STOPPING=1`: shutdown has begun.
    public func stopping() { send("STOPPING=1") }
    /// `STATUS=…`: one line for `systemctl status`.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// The watchdog interval systemd asked for (`$WATCHDOG_USEC`), in microseconds.
    public static func watchdogMicroseconds(environment: [String: String]) -> UInt64? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return usec
    }

    private func send(_ message: String) {
        guard let path else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // A leading '@' names an abstract socket: its first byte on the wire is NUL.
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        _ = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
    }
}
