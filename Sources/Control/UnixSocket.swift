// The Unix domain socket under both ends of the control channel: plain POSIX calls, blocking I/O with
// timeouts, one thread per connection on the daemon's side (a handful of technicians at most).

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why the control socket cannot be used, with what to do.
public struct ControlError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// No daemon listens: not running, or started without a control socket.
        case notRunning
        /// The socket exists but this user may not use it.
        case permission
        /// Anything else: a broken reply, a timeout, a failing system call.
        case failed
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

enum UnixSocket {
    /// A `sockaddr_un` for `path`, or nil when the path is too long for one.
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    static func connect(_ path: String) throws(ControlError) -> Int32 {
        guard var address = address(path) else {
            throw ControlError(.failed, "the control socket path \(path) is too long")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlError(.failed, "socket: \(errnoText())") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return fd }
        let code = errno
        Glibc.close(fd)
        switch code {
        case ENOENT, ECONNREFUSED:
            throw ControlError(
                .notRunning,
                "passantd is not running here (nothing listens on \(path)); start it with `sudo systemctl start passantd`, or give --socket"
            )
        case EACCES, EPERM:
            throw ControlError(
                .permission,
                "no permission to use \(path): add yourself to the passant group (`sudo usermod -aG passant $USER`, then log in again) or use sudo"
            )
        default:
            throw ControlError(.failed, "cannot connect to \(path): \(String(cString: strerror(code)))")
        }
    }

    /// Writes all of `bytes`; false when the peer has gone.
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Reads newline-terminated lines from a socket, with a timeout per line.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    /// Longer lines are a broken peer.
    static let maxLine = 4 << 20

    init(fd: Int32) { self.fd = fd }

    enum Outcome {
        case line([UInt8])
        case closed
        case timedOut
        case failed(String)
    }

    mutating func next(timeoutMillis: Int32) -> Outcome {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            if buffer.count > Self.maxLine { return .failed("a line longer than \(Self.maxLine) bytes") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMillis)
            if ready == 0 { return .timedOut }
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(UnixSocket.errnoText())
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return .closed }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(UnixSocket.errnoText())
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
