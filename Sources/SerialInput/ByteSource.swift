// Byte sources: serial ports through libserialport, pseudo-terminals through termios, TCP.
// All three are file descriptors underneath, so one reader (`PolledSource`) polls them together with
// a wake-up pipe, and each kind only says how to move bytes once poll says it can.

import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream of bytes from one sensor, and a way to send it commands.
///
/// Meant to be read from one thread (the sensor's reading loop); `write` may come from another
/// thread, and `close` from any, at any time: it wakes a waiting `read`, which then throws `.closed`.
public protocol ByteSource: AnyObject, Sendable {
    /// The address the source was opened with.
    var address: SourceAddress { get }

    /// Waits up to `timeoutMillis` for bytes and copies those available (at most `buffer.count`).
    ///
    /// - Returns: the number of bytes read; 0 when none came in time.
    /// - Throws: `SourceError.disconnected` when the other end is gone (reopen with backoff),
    ///   `.closed` after `close()`, `.failed` for anything else.
    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMillis: Int) throws(SourceError) -> Int

    /// Sends all of `bytes`, waiting at most a couple of seconds for the line to take them.
    func write(_ bytes: [UInt8]) throws(SourceError)

    /// Releases the port. Safe to call more than once and from any thread.
    func close()
}

/// Opens the source at `address`.
///
/// - A device path goes through libserialport (8N1, no flow control, `baud`), unless it is a
///   pseudo-terminal, which libserialport refuses (no sysfs entry): those are opened with termios.
/// - `tcp://host:port` connects within `connectTimeoutMillis`; `baud` is the converter's business.
///
/// The port is locked (`flock`, and `TIOCEXCL` for real ports) so a second reader is refused with
/// `SourceError.busy` rather than silently splitting the byte stream.
public func openSource(
    _ address: SourceAddress, baud: Int, connectTimeoutMillis: Int = 5000
) throws(SourceError) -> any ByteSource {
    let endpoint: any Endpoint
    switch address {
    case .device(let path):
        endpoint = try openDevice(path: path, baud: baud, name: address.displayName)
    case .tcp(let host, let port):
        endpoint = try SocketEndpoint.connect(
            host: host, port: port, timeoutMillis: connectTimeoutMillis, name: address.displayName)
    }
    return try PolledSource(address: address, endpoint: endpoint)
}

/// Chooses libserialport or termios for a device path.
func openDevice(path: String, baud: Int, name: String) throws(SourceError) -> any Endpoint {
    switch system_isCharacterDevice(path) {
    case .failure(let errno): throw SourceError.opening(name, "stat", errno: errno)
    case .success(false): throw SourceError.unsupported(name, reason: "it is not a serial device")
    case .success(true): break
    }
    let device = system_realpath(path) ?? path
    if device.hasPrefix("/dev/pts/") || device == "/dev/ptmx" {
        return try TerminalEndpoint.open(path: path, baud: baud, name: name)
    }
    switch sp_getPortByName(path) {
    case .success(let port):
        return try SerialPortEndpoint.open(port: port, baud: baud, name: name)
    case .failure(let failure) where failure.isArgumentError:
        // libserialport knows only ports with a sysfs entry; any other terminal (a pty under another
        // name, a kernel-side virtual tty) still works through termios.
        return try TerminalEndpoint.open(path: path, baud: baud, name: name)
    case .failure(let failure):
        throw failure.asSourceError(name, "sp_get_port_by_name")
    }
}

extension SerialPortFailure {
    func asSourceError(_ name: String, _ operation: String) -> SourceError {
        if let errno { return .opening(name, operation, errno: Errno(rawValue: errno)) }
        return .failed(name, operation: operation, reason: message)
    }
}

// MARK: - Endpoints

/// What one kind of source does once poll says it is ready. Both calls must not block.
protocol Endpoint: Sendable {
    /// Polled for POLLIN / POLLOUT.
    var fd: Int32 { get }
    /// Reads what is available now; 0 means nothing, or end of file if poll said readable.
    func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, EndpointFailure>
    /// Writes what the driver takes now.
    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> Result<Int, EndpointFailure>
    /// Closes the port or socket. Called once.
    func release()
}

struct EndpointFailure: Error {
    var operation: String
    var errno: Errno?
    var message: String

    init(_ operation: String, _ errno: Errno) {
        self.operation = operation
        self.errno = errno
        self.message = errno.message
    }

    init(_ operation: String, _ failure: SerialPortFailure) {
        self.operation = operation
        self.errno = failure.errno.map(Errno.init(rawValue:))
        self.message = failure.message
    }
}

// MARK: - The poll loop

/// A `ByteSource` over any `Endpoint`: polls its descriptor together with a wake-up pipe, so that
/// `close()` from another thread ends a waiting `read` at once, and releases the endpoint only when
/// no read or write is using its descriptor any more (a closed descriptor number may be reused by the
/// next `open`, and a late `read` on it would steal another port's bytes).
final class PolledSource: ByteSource {
    let address: SourceAddress
    let endpoint: any Endpoint
    private let name: String
    private let wake: (read: Int32, write: Int32)
    private let state = Mutex(State())

    private struct State {
        var isOpen = true
        var inUse = 0
        var released = false
    }

    /// How long `write` waits for the line to take more bytes.
    static let writeTimeoutMillis = 2000

    init(address: SourceAddress, endpoint: any Endpoint) throws(SourceError) {
        self.address = address
        self.endpoint = endpoint
        self.name = address.displayName
        switch system_pipe() {
        case .success(let pipe): wake = pipe
        case .failure(let errno):
            endpoint.release()
            throw .failed(address.displayName, operation: "pipe", reason: errno.message)
        }
    }

    deinit {
        close()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMillis: Int) throws(SourceError) -> Int {
        try enter()
        defer { leave() }
        if buffer.isEmpty { return 0 }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(0, timeoutMillis)))
        while true {
            let events = try poll(for: Int16(POLLIN), until: deadline, clock: clock)
            guard let events else { return 0 }
            switch endpoint.readAvailable(into: buffer) {
            case .success(let count) where count > 0:
                return count
            case .success:
                // Poll said readable (or hung up) and there was nothing: end of file.
                if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    throw .disconnected(
                        name, reason: events & Int16(POLLHUP) != 0 ? "hung up" : "end of stream")
                }
            case .failure(let failure):
                if let errno = failure.errno, errno.meansWouldBlock { continue }
                throw classify(failure)
            }
        }
    }

    func write(_ bytes: [UInt8]) throws(SourceError) {
        try enter()
        defer { leave() }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Self.writeTimeoutMillis))
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                endpoint.writeAvailable(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            switch result {
            case .success(let count) where count > 0:
                offset += count
                continue
            case .success:
                break
            case .failure(let failure):
                if let errno = failure.errno, errno.meansWouldBlock { break }
                throw classify(failure)
            }
            guard let events = try poll(for: Int16(POLLOUT), until: deadline, clock: clock) else {
                throw .failed(
                    name, operation: "write",
                    reason: "the line took \(offset) of \(bytes.count) bytes in \(Self.writeTimeoutMillis) ms"
                )
            }
            if events & Int16(POLLOUT) == 0 && events & Int16(POLLHUP | POLLERR) != 0 {
                throw .disconnected(name, reason: "hung up")
            }
        }
    }

    func close() {
        let release = state.withLock { state -> Bool in
            guard state.isOpen else { return false }
            state.isOpen = false
            // Wakes a read waiting in poll, which then throws `.closed` and releases the port on its
            // way out. Written under the lock so that the pipe cannot be released before it.
            var byte: UInt8 = 1
            _ = withUnsafeBytes(of: &byte) { system_write(wake.write, $0) }
            return markReleasedIfIdle(&state)
        }
        if release { releaseResources() }
    }

    // MARK: Internals

    private func enter() throws(SourceError) {
        let isOpen = state.withLock { state in
            if state.isOpen { state.inUse += 1 }
            return state.isOpen
        }
        if !isOpen { throw .closed(name) }
    }

    private func leave() {
        let release = state.withLock { state in
            state.inUse -= 1
            return markReleasedIfIdle(&state)
        }
        if release { releaseResources() }
    }

    private func markReleasedIfIdle(_ state: inout State) -> Bool {
        guard !state.isOpen, state.inUse == 0, !state.released else { return false }
        state.released = true
        return true
    }

    private func releaseResources() {
        endpoint.release()
        system_close(wake.read)
        system_close(wake.write)
    }

    /// Polls the endpoint for `event` and the wake-up pipe until `deadline`.
    /// - Returns: the endpoint's `revents`, or nil at the deadline.
    private func poll(
        for event: Int16, until deadline: ContinuousClock.Instant, clock: ContinuousClock
    ) throws(SourceError) -> Int16? {
        while true {
            let left = clock.now.duration(to: deadline)
            // Rounded up, so that poll does not return just before the deadline and spin.
            let millis = max(
                0,
                left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999)
                    / 1_000_000_000_000_000)
            var fds = [
                pollfd(fd: endpoint.fd, events: event, revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            switch system_poll(&fds, timeoutMillis: Int32(clamping: millis)) {
            case .failure(let errno) where errno.rawValue == EINTR:
                continue
            case .failure(let errno):
                throw .failed(name, operation: "poll", reason: errno.message)
            case .success(0):
                if clock.now < deadline { continue }
                return nil
            case .success:
                if fds[1].revents != 0 { throw .closed(name) }
                if fds[0].revents & Int16(POLLNVAL) != 0 {
                    throw .failed(name, operation: "poll", reason: "the descriptor is no longer valid")
                }
                return fds[0].revents
            }
        }
    }

    private func classify(_ failure: EndpointFailure) -> SourceError {
        if let errno = failure.errno, errno.meansDisconnected {
            return .disconnected(name, reason: failure.message)
        }
        return .failed(name, operation: failure.operation, reason: failure.message)
    }
}
