// Every POSIX call of this module goes through this file (swift-system's Syscalls.swift pattern):
// each wrapper names the C function it calls, retries EINTR where that is safe, and returns a
// `Result` whose failure is the `Errno` read right after the call.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A C error number, read from `errno` right after the call that set it.
struct Errno: Error, Hashable {
    var rawValue: Int32

    static var current: Errno { Errno(rawValue: errno) }

    /// `strerror(3)`: "No such file or directory", …
    var message: String { String(cString: strerror(rawValue)) }

    /// The errors a serial line, a pseudo-terminal or a TCP connection gives once the other end is
    /// gone: USB adapter unplugged (EIO, ENXIO, ENODEV), pty master closed (EIO), peer reset (ECONNRESET,
    /// EPIPE, ENOTCONN), network lost (ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENETDOWN).
    var meansDisconnected: Bool {
        [
            EIO, ENXIO, ENODEV, EPIPE, ECONNRESET, ENOTCONN, ESHUTDOWN, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
            ENETDOWN,
        ]
        .contains(rawValue)
    }

    var meansWouldBlock: Bool { rawValue == EAGAIN || rawValue == EWOULDBLOCK }
}

private func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) -> Result<
    I, Errno
> {
    while true {
        let value = call()
        if value != -1 { return .success(value) }
        let error = Errno.current
        if retryOnInterrupt && error.rawValue == EINTR { continue }
        return .failure(error)
    }
}

// MARK: - Files and terminals

/// `open(2)`.
func system_open(_ path: String, _ flags: Int32) -> Result<Int32, Errno> {
    valueOrErrno { open(path, flags) }
}

/// `close(2)`. Not retried on EINTR: on Linux the descriptor is released even then.
func system_close(_ fd: Int32) {
    _ = close(fd)
}

/// `read(2)`.
func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno { read(fd, buffer.baseAddress, buffer.count) }
}

/// `write(2)`.
func system_write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno { write(fd, bytes.baseAddress, bytes.count) }
}

/// `send(2)` with `MSG_NOSIGNAL`, so that a closed peer gives EPIPE instead of killing the process.
func system_send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    valueOrErrno { send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
}

/// `poll(2)`. Not retried on EINTR: the caller recomputes the time left and polls again.
func system_poll(_ fds: inout [pollfd], timeoutMillis: Int32) -> Result<Int32, Errno> {
    let count = nfds_t(fds.count)
    return valueOrErrno(retryOnInterrupt: false) {
        fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, count, timeoutMillis) }
    }
}

/// `pipe(2)`, then `fcntl(2)` for `FD_CLOEXEC` and `O_NONBLOCK` on both ends: the wake-up channel that
/// lets `close()` interrupt a poll. (`pipe2` would do it in one call but needs `_GNU_SOURCE`.)
func system_pipe() -> Result<(read: Int32, write: Int32), Errno> {
    var fds: [Int32] = [-1, -1]
    if case .failure(let errno) = valueOrErrno({ pipe(&fds) }) { return .failure(errno) }
    for fd in fds {
        let flags = fcntl(fd, F_GETFL)
        if flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1
        {
            let errno = Errno.current
            fds.forEach { system_close($0) }
            return .failure(errno)
        }
    }
    return .success((fds[0], fds[1]))
}

/// `stat(2)`: whether the path exists and is a character device.
func system_isCharacterDevice(_ path: String) -> Result<Bool, Errno> {
    var info = stat()
    return valueOrErrno { stat(path, &info) }.map { _ in (info.st_mode & S_IFMT) == S_IFCHR }
}

/// `realpath(3)`: the device a `/dev/serial/by-id/…` symlink points to.
func system_realpath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// `isatty(3)`.
func system_isatty(_ fd: Int32) -> Bool {
    isatty(fd) == 1
}

/// `flock(2)` with `LOCK_EX | LOCK_NB`: the advisory lock picocom, pyserial (`exclusive=True`) and
/// passant itself take, so two programs reading one port find out instead of stealing each other's bytes.
func system_lockExclusive(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { flock(fd, LOCK_EX | LOCK_NB) }.map { _ in () }
}

/// `ioctl(fd, TIOCEXCL)`: further `open(2)`s of the terminal fail with EBUSY (except for root).
func system_setExclusiveTerminal(_ fd: Int32) -> Result<Void, Errno> {
    valueOrErrno { ioctl(fd, UInt(TIOCEXCL)) }.map { _ in () }
}

/// `tcgetattr(3)`, `cfmakeraw(3)`, `cfsetispeed(3)`, `cfsetospeed(3)`, `tcsetattr(3)`: raw 8N1 without
/// flow control, reads that never wait in the driver (VMIN = VTIME = 0; waiting is poll's job).
func system_makeRaw(_ fd: Int32, speed: speed_t) -> Result<Void, Errno> {
    var attributes = termios()
    return valueOrErrno { tcgetattr(fd, &attributes) }.flatMap { _ in
        cfmakeraw(&attributes)
        attributes.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        attributes.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(PARENB) | tcflag_t(CRTSCTS))
        attributes.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
        return valueOrErrno { tcsetattr(fd, TCSANOW, &attributes) }.map { _ in () }
    }
}

// MARK: - Directories

/// `opendir(3)`, `readdir(3)`, `closedir(3)`: the names in a directory, without `.` and `..`.
func system_directoryEntries(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

// MARK: - Sockets

/// `getaddrinfo(3)` for a TCP stream, `freeaddrinfo(3)`; the failure is `gai_strerror(3)`'s text.
func system_resolveTCP(host: String, port: UInt16) -> Result<
    [(family: Int32, address: [UInt8])], ResolveFailure
> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV
    var result: UnsafeMutablePointer<addrinfo>? = nil
    let status = getaddrinfo(host, String(port), &hints, &result)
    guard status == 0 else { return .failure(ResolveFailure(message: String(cString: gai_strerror(status)))) }
    defer { freeaddrinfo(result) }
    var addresses: [(family: Int32, address: [UInt8])] = []
    var next = result
    while let info = next {
        if let address = info.pointee.ai_addr {
            let bytes = UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen))
            addresses.append((info.pointee.ai_family, Array(bytes)))
        }
        next = info.pointee.ai_next
    }
    return .success(addresses)
}

struct ResolveFailure: Error {
    var message: String
}

/// `socket(2)`: a non-blocking, close-on-exec TCP socket.
func system_tcpSocket(family: Int32) -> Result<Int32, Errno> {
    let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    return valueOrErrno { socket(family, type, 0) }
}

/// `connect(2)` on a non-blocking socket: EINPROGRESS is the normal start; poll for POLLOUT, then
/// `system_socketError`.
func system_connect(_ fd: Int32, _ address: [UInt8]) -> Result<Void, Errno> {
    address.withUnsafeBytes { raw in
        valueOrErrno(retryOnInterrupt: false) {
            connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }.map { _ in () }
}

/// `getsockopt(SO_ERROR)`: how a non-blocking connect ended (0 = connected).
func system_socketError(_ fd: Int32) -> Result<Int32, Errno> {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return valueOrErrno { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }.map { _ in value }
}

/// `setsockopt(2)` with an `Int32` value: TCP_NODELAY (commands go out at once), SO_KEEPALIVE.
func system_setSocketOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) -> Result<Void, Errno> {
    var value = value
    return valueOrErrno { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }.map {
        _ in ()
    }
}
