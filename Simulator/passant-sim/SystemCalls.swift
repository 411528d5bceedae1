// Every C call the simulator makes, wrapped in one place: pseudo-terminals, sockets, poll, clocks and
// signals. Each wrapper throws a `SystemError` naming the C function and what it was doing.

import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which one, on what, and errno.
struct SystemError: Error, CustomStringConvertible {
    var function: String
    var subject: String
    var errno: Int32

    init(_ function: String, _ subject: String, errno: Int32 = currentErrno()) {
        self.function = function
        self.subject = subject
        self.errno = errno
    }

    var description: String {
        "\(function) failed for \(subject): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

func currentErrno() -> Int32 {
    #if canImport(Glibc)
        return Glibc.errno
    #else
        return Darwin.errno
    #endif
}

/// Set by SIGINT and SIGTERM; the main loop finishes cleanly when it sees it. Every wait is a `poll` with
/// a short timeout, which a signal also interrupts.
let stopRequested = Atomic<Bool>(false)

enum SystemCalls {
    // MARK: - Time

    /// Monotonic clock, ns.
    static func monotonicNanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Wall clock, Unix ms.
    static func unixMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// This program's own path (for files built next to it).
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    // MARK: - Signals

    static func installStopHandlers() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        // A parent may have left them blocked (the mask is inherited across exec): take them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    static var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    // MARK: - Descriptors

    /// `poll(2)` on the given descriptors; returns their `revents` (all zero on timeout or a signal).
    static func poll(_ fds: [(fd: Int32, events: Int16)], timeoutMillis: Int32) throws -> [Int16] {
        var entries = fds.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
        let result = entries.withUnsafeMutableBufferPointer { buffer in
            #if canImport(Glibc)
                Glibc.poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMillis)
            #else
                Darwin.poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMillis)
            #endif
        }
        if result < 0 {
            if currentErrno() == EINTR { return fds.map { _ in 0 } }
            throw SystemError("poll", "the output link")
        }
        return entries.map(\.revents)
    }

    static func setNonBlocking(_ fd: Int32, _ what: String) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw SystemError("fcntl", what)
        }
    }

    enum WriteResult {
        case wrote(Int)
        case wouldBlock
        case closed
    }

    /// One non-blocking `write(2)` (`send(2)` without SIGPIPE for sockets).
    static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>, socket: Bool) -> WriteResult {
        let result = bytes.withUnsafeBytes { buffer -> Int in
            if socket {
                #if canImport(Glibc)
                    return send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                #else
                    return send(fd, buffer.baseAddress, buffer.count, 0)
                #endif
            }
            #if canImport(Glibc)
                return Glibc.write(fd, buffer.baseAddress, buffer.count)
            #else
                return Darwin.write(fd, buffer.baseAddress, buffer.count)
            #endif
        }
        if result >= 0 { return .wrote(result) }
        switch currentErrno() {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        default: return .closed
        }
    }

    /// Reads whatever is waiting onto `input`; `false` when the other end has closed.
    static func readAvailable(_ fd: Int32, into input: inout [UInt8]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                input.append(contentsOf: buffer[..<count])
                continue
            }
            if count == 0 { return false }
            let error = currentErrno()
            return error == EAGAIN || error == EWOULDBLOCK || error == EINTR
        }
    }

    /// Reads and discards whatever is waiting; `false` when the other end has closed.
    static func drain(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count == 0 { return false }
            let error = currentErrno()
            return error == EAGAIN || error == EWOULDBLOCK || error == EINTR
        }
    }

    static func close(_ fd: Int32) {
        #if canImport(Glibc)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }

    /// Writes all of `bytes` to a blocking descriptor (capture files).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ what: String) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { buffer in
                #if canImport(Glibc)
                    Glibc.write(fd, buffer.baseAddress, buffer.count)
                #else
                    Darwin.write(fd, buffer.baseAddress, buffer.count)
                #endif
            }
            if count < 0 {
                if currentErrno() == EINTR { continue }
                throw SystemError("write", what)
            }
            offset += count
        }
    }

    /// Creates (or truncates) a file for writing.
    static func createFile(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SystemError("open", path) }
        return fd
    }

    // MARK: - Pseudo-terminals

    /// A new pseudo-terminal in raw mode (`openpty(3)`, `cfmakeraw(3)`): the master descriptor
    /// (non-blocking) and the slave's path. The slave is not kept open, so the master reports a hang-up
    /// until a reader opens it.
    static func openPseudoTerminal() throws -> (master: Int32, path: String) {
        #if canImport(Glibc)
            var master: Int32 = -1
            var slave: Int32 = -1
            guard openpty(&master, &slave, nil, nil, nil) == 0 else {
                throw SystemError("openpty", "a new pseudo-terminal")
            }
            defer { close(slave) }
            var name = [CChar](repeating: 0, count: 256)
            guard ttyname_r(slave, &name, name.count) == 0 else {
                let error = SystemError("ttyname_r", "the new pseudo-terminal")
                close(master)
                throw error
            }
            let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // Raw mode, so the line discipline passes `\r`, `\n` and every byte unchanged. The settings
            // stay with the terminal for later readers.
            var settings = termios()
            guard tcgetattr(slave, &settings) == 0 else {
                let error = SystemError("tcgetattr", path)
                close(master)
                throw error
            }
            cfmakeraw(&settings)
            guard tcsetattr(slave, TCSANOW, &settings) == 0 else {
                let error = SystemError("tcsetattr", path)
                close(master)
                throw error
            }
            try setNonBlocking(master, path)
            return (master, path)
        #else
            throw SystemError("openpty", "a new pseudo-terminal (only on Linux)", errno: ENOSYS)
        #endif
    }

    /// Writes a line to standard output or standard error, unbuffered (`fd` 1 or 2).
    static func writeLine(_ line: String, to fd: Int32) {
        try? writeAll(fd, Array((line + "\n").utf8), "standard output")
    }

    /// Discards bytes written to the master that no reader took, so a later reader starts fresh.
    static func discardUnread(master: Int32) {
        _ = tcflush(master, TCOFLUSH)
    }

    /// Waits until the pseudo-terminal's reader has read every byte queued for it (the slave's input
    /// queue, looked at through a second, non-blocking opening of the slave), or `withinMillis` passed.
    static func waitUntilRead(pseudoTerminal path: String, withinMillis: Int) {
        let fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return }
        defer { close(fd) }
        for _ in 0..<max(1, withinMillis / 10) {
            var queued: Int32 = 0
            guard ioctl(fd, UInt(FIONREAD), &queued) == 0, queued > 0 else { return }
            usleep(10_000)
        }
    }

    // MARK: - TCP

    /// A listening TCP socket on 127.0.0.1:`port` (0 picks a free port); returns it and the port.
    static func listenLoopback(port: UInt16) throws -> (fd: Int32, port: UInt16) {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SystemError("socket", "TCP port \(port)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            let error = SystemError("bind/listen", "127.0.0.1:\(port) (is the port in use?)")
            close(fd)
            throw error
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        try setNonBlocking(fd, "127.0.0.1:\(port)")
        return (fd, UInt16(bigEndian: actual.sin_port))
    }

    /// Accepts a waiting connection, non-blocking; `nil` if none is waiting.
    static func accept(_ listener: Int32) throws -> Int32? {
        #if canImport(Glibc)
            let fd = Glibc.accept(listener, nil, nil)
        #else
            let fd = Darwin.accept(listener, nil, nil)
        #endif
        if fd < 0 {
            let error = currentErrno()
            if error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED {
                return nil
            }
            throw SystemError("accept", "the TCP listener")
        }
        try setNonBlocking(fd, "a TCP client")
        return fd
    }
}
