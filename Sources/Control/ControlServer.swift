import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// passantd's end of the control socket: a Unix domain socket that only the daemon's user and group
/// may use (mode 0660 in a directory systemd makes for it). It never listens on the network.
public final class ControlServer: Sendable {
    public let path: String
    private let listener: Int32
    private let closed = Atomic(false)

    /// Makes the socket at `path`. A socket left by a daemon that died is replaced; one that still
    /// answers belongs to another passantd, which is an error.
    public init(path: String) throws(ControlError) {
        self.path = path
        guard var address = UnixSocket.address(path) else {
            throw ControlError(.failed, "the control socket path \(path) is too long")
        }
        if FileManager.default.fileExists(atPath: path) {
            if let fd = try? UnixSocket.connect(path) {
                Glibc.close(fd)
                throw ControlError(.failed, "another passantd already serves \(path)")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlError(.failed, "socket: \(UnixSocket.errnoText())") }
        // Owner and group only, from the moment the socket exists.
        let mask = umask(0o117)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindError = errno
        umask(mask)
        guard bound == 0 else {
            Glibc.close(fd)
            throw ControlError(
                bindError == EACCES ? .permission : .failed,
                "cannot create the control socket \(path): \(String(cString: strerror(bindError)))")
        }
        chmod(path, 0o660)
        guard listen(fd, 16) == 0 else {
            let message = UnixSocket.errnoText()
            Glibc.close(fd)
            unlink(path)
            throw ControlError(.failed, "cannot listen on \(path): \(message)")
        }
        listener = fd
    }

    /// Accepts connections until `close()`, each on its own thread: reads one request line and
    /// hands it to `handler` with the connection. Blocks the calling thread.
    public func serve(_ handler: @escaping @Sendable (ControlRequest, ControlConnection) -> Void) {
        while !closed.load(ordering: .acquiring) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready <= 0 { continue }
            let fd = accept(listener, nil, nil)
            if fd < 0 { continue }
            let thread = Thread {
                let connection = ControlConnection(fd: fd)
                defer { connection.close() }
                var reader = LineReader(fd: fd)
                guard case .line(let line) = reader.next(timeoutMillis: 5000) else { return }
                guard let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line)) else {
                    connection.send(ControlReply(error: "not a request this passantd understands; versions differ?"))
                    return
                }
                handler(request, connection)
            }
            thread.name = "control connection"
            thread.start()
        }
    }

    /// Stops accepting and removes the socket file.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(listener)
        unlink(path)
    }
}

/// One CLI connected to the daemon.
public final class ControlConnection: Sendable {
    let fd: Int32
    private let isClosed = Atomic(false)

    init(fd: Int32) { self.fd = fd }

    /// Sends one JSON line; false when the CLI has gone.
    @discardableResult
    public func send(_ value: some Encodable) -> Bool {
        guard !isClosed.load(ordering: .acquiring), var bytes = try? JSONEncoder().encode(value) else { return false }
        bytes.append(UInt8(ascii: "\n"))
        return UnixSocket.write(fd, Array(bytes))
    }

    /// Whether the CLI is still there (it hung up, or the connection failed).
    public var isOpen: Bool {
        if isClosed.load(ordering: .acquiring) { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, 0)
        if ready > 0 && (poller.revents & Int16(POLLHUP | POLLERR)) != 0 { return false }
        if ready > 0 && (poller.revents & Int16(POLLIN)) != 0 {
            // Nothing more is expected from the CLI: readable means it closed.
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
        }
        return true
    }

    func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(fd)
    }
}
